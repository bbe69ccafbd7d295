package io.shardscore.job.run;

import io.shardscore.job.change.ShardFingerprint;
import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.TaskOutcome;
import io.shardscore.job.error.ScoringFailedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a run staged, added up from its task outcomes (and those of shards it resumed): the input of
 * the next manifest and of the result. Sums come from task results, never from accumulators.
 *
 * @param byShard task outcomes per shard id, this run's and resumed ones
 * @param resumedShards shards finished by an earlier, uncommitted attempt
 * @param tasks partitions this run's scoring stage ran
 */
public record StagedRun(
    long rowsIn,
    long rowsScored,
    long rowsRejected,
    long modelNanos,
    long batches,
    Map<Integer, List<TaskOutcome>> byShard,
    Set<Integer> resumedShards,
    Map<String, Integer> modelLoadsByExecutor,
    Map<String, List<String>> devicesByExecutor,
    int tasks) {

  public StagedRun {
    byShard = Collections.unmodifiableMap(new LinkedHashMap<>(byShard));
    resumedShards = Collections.unmodifiableSet(new TreeSet<>(resumedShards));
    modelLoadsByExecutor = Collections.unmodifiableMap(new TreeMap<>(modelLoadsByExecutor));
    devicesByExecutor = Collections.unmodifiableMap(new TreeMap<>(devicesByExecutor));
  }

  static final StagedRun NOTHING =
      new StagedRun(0, 0, 0, 0, 0, Map.of(), Set.of(), Map.of(), Map.of(), 0);

  /**
   * Adds up the outcomes of a scoring stage of {@code partitions} tasks, checking that every
   * partition reported exactly once and that its rows add up.
   */
  static StagedRun of(List<TaskOutcome> outcomes, int partitions) {
    boolean[] seen = new boolean[partitions];
    long rowsIn = 0;
    long scored = 0;
    long rejected = 0;
    long modelNanos = 0;
    long batches = 0;
    Map<Integer, List<TaskOutcome>> byShard = new LinkedHashMap<>();
    Map<String, Integer> loads = new TreeMap<>();
    Map<String, SortedSet<String>> devices = new TreeMap<>();
    for (TaskOutcome o : outcomes) {
      if (seen[o.partition()]) {
        throw new CommitException("partition " + o.partition() + " reported twice");
      }
      seen[o.partition()] = true;
      if (o.rowsScored() + o.rowsRejected() != o.rowsIn()) {
        throw new ScoringFailedException(
            ScoringFailedException.Reason.ROWS_DO_NOT_ADD_UP,
            "partition "
                + o.partition()
                + " read "
                + o.rowsIn()
                + " rows but wrote "
                + (o.rowsScored() + o.rowsRejected())
                + "; nothing was committed.");
      }
      rowsIn += o.rowsIn();
      scored += o.rowsScored();
      rejected += o.rowsRejected();
      modelNanos += o.modelNanos();
      batches += o.batches();
      byShard.computeIfAbsent(o.shardId(), k -> new ArrayList<>()).add(o);
      loads.merge(o.executorId(), o.modelLoadsInJvm(), Math::max);
      if (o.device() != null) {
        devices.computeIfAbsent(o.executorId(), k -> new TreeSet<>()).add(o.device());
      }
    }
    for (int p = 0; p < partitions; p++) {
      if (!seen[p]) {
        throw new CommitException("partition " + p + " reported no outcome");
      }
    }
    Map<String, List<String>> deviceLists = new TreeMap<>();
    devices.forEach((k, v) -> deviceLists.put(k, List.copyOf(v)));
    return new StagedRun(
        rowsIn,
        scored,
        rejected,
        modelNanos,
        batches,
        freeze(byShard),
        Set.of(),
        loads,
        deviceLists,
        partitions);
  }

  /** This run plus the outcomes of shards an earlier, uncommitted attempt finished. */
  StagedRun plusResumed(Map<Integer, List<TaskOutcome>> resumed) {
    if (resumed.isEmpty()) {
      return this;
    }
    long in = rowsIn;
    long scored = rowsScored;
    long rejected = rowsRejected;
    Map<Integer, List<TaskOutcome>> shards = new LinkedHashMap<>();
    byShard.forEach((k, v) -> shards.put(k, new ArrayList<>(v)));
    Set<Integer> resumedIds = new TreeSet<>(resumedShards);
    for (Map.Entry<Integer, List<TaskOutcome>> e : resumed.entrySet()) {
      resumedIds.add(e.getKey());
      for (TaskOutcome o : e.getValue()) {
        in += o.rowsIn();
        scored += o.rowsScored();
        rejected += o.rowsRejected();
        shards.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(o);
      }
    }
    return new StagedRun(
        in,
        scored,
        rejected,
        modelNanos,
        batches,
        freeze(shards),
        resumedIds,
        modelLoadsByExecutor,
        devicesByExecutor,
        tasks);
  }

  /** The outcomes staged for one shard, in the order they arrived. */
  List<TaskOutcome> outcomes(int shardId) {
    return byShard.getOrDefault(shardId, List.of());
  }

  /** The fingerprint of the rows the tasks scored for one shard. */
  ShardFingerprint fingerprint(int shardId) {
    ShardFingerprint fp = ShardFingerprint.EMPTY;
    for (TaskOutcome o : outcomes(shardId)) {
      fp = fp.plus(new ShardFingerprint(o.rowsIn(), o.hashA(), o.hashB()));
    }
    return fp;
  }

  /** Distinct {@code executor N: device} lines, for the manifest. */
  List<String> deviceLines() {
    List<String> out = new ArrayList<>();
    new TreeMap<>(devicesByExecutor)
        .forEach((k, v) -> v.forEach(d -> out.add("executor " + k + ": " + d)));
    return out;
  }

  private static Map<Integer, List<TaskOutcome>> freeze(Map<Integer, List<TaskOutcome>> in) {
    Map<Integer, List<TaskOutcome>> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return out;
  }
}

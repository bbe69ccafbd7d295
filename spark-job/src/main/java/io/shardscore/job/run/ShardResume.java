package io.shardscore.job.run;

import io.shardscore.job.change.ShardCensus;
import io.shardscore.job.change.ShardFingerprint;
import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.PendingRun;
import io.shardscore.job.commit.TaskOutcome;
import io.shardscore.job.commit.WrittenFile;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlacement;
import io.shardscore.sharding.ShardPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Shard-level resume: records which shards an attempt scores (the pending journal) and finds, for a
 * later attempt with the same model, shard identities and input fingerprints, the shards an
 * uncommitted attempt already finished, so that only the rest are scored again.
 */
final class ShardResume {
  private static final Logger LOG = LogManager.getLogger(ShardResume.class);

  /** Journals older than this whose attempts never committed are removed by the next commit. */
  static final long STALE_AFTER_MILLIS = 7L * 24 * 3600 * 1000;

  private final ShardPlan plan;
  private final ShardCensus census;
  private final String modelDigest;
  private final IntFunction<String> identity;

  /**
   * @param identity a shard's identity digest by shard id (settings, policies, role)
   */
  ShardResume(
      ShardPlan plan, ShardCensus census, String modelDigest, IntFunction<String> identity) {
    this.plan = plan;
    this.census = census;
    this.modelDigest = modelDigest;
    this.identity = identity;
  }

  /**
   * What an attempt takes over from earlier attempts: finished shards' outcomes by current shard
   * id, and the journals they came from (removed after this attempt's commit).
   */
  record Resumed(Map<Integer, List<TaskOutcome>> outcomes, List<PendingRun> journals) {
    static Resumed none() {
      return new Resumed(Map.of(), List.of());
    }

    /**
     * Journals this attempt resumed from whose every shard it commits (taken over, or scored
     * itself): nothing in them is of use after its commit, so they are removed then. A journal with
     * shards this attempt does not commit stays, for another attempt to resume.
     */
    List<PendingRun> consumedBy(Set<String> committedShards) {
      return journals.stream()
          .filter(j -> committedShards.containsAll(j.shards().keySet()))
          .toList();
    }

    /**
     * Moves the resumed shards' staged files into this attempt's own staging folder, before
     * anything else happens, so that no other attempt's cleanup can take them away before this
     * attempt's commit (a rename on file: and HDFS; a copy on S3). A file that is already gone
     * fails the run before its commit point.
     */
    Resumed adoptInto(FileSystem fs, Path staging) {
      Map<Integer, List<TaskOutcome>> adopted = new HashMap<>();
      for (Map.Entry<Integer, List<TaskOutcome>> e : outcomes.entrySet()) {
        List<TaskOutcome> moved = new ArrayList<>();
        for (TaskOutcome o : e.getValue()) {
          String data = o.data() == null ? null : adopt(fs, o.dataStagedAs(), staging, o.data());
          String errors =
              o.errors() == null ? null : adopt(fs, o.errorsStagedAs(), staging, o.errors());
          moved.add(o.stagedAt(data, errors));
        }
        adopted.put(e.getKey(), moved);
      }
      return new Resumed(adopted, journals);
    }

    private static String adopt(FileSystem fs, String from, Path staging, WrittenFile file) {
      Path to = new Path(staging, file.path());
      try {
        fs.mkdirs(to.getParent());
        if (fs.rename(new Path(from), to) || fs.exists(to)) {
          return to.toString();
        }
      } catch (IOException e) {
        throw new CommitException(
            "Could not take over the finished file "
                + from
                + " of an earlier attempt: "
                + e.getMessage()
                + ". Nothing was committed; rerun.",
            e);
      }
      throw new CommitException(
          "The finished file "
              + from
              + " of an earlier attempt disappeared while this run resumed it (another run"
              + " cleaned it up). Nothing was committed; rerun, and run one job per output at a"
              + " time.");
    }
  }

  /** Finds shards of {@code toScore} that a pending (uncommitted) attempt already finished. */
  Resumed finished(PendingJournal journal, Set<Integer> toScore, FileSystem fs) {
    Map<Integer, List<TaskOutcome>> out = new HashMap<>();
    List<PendingRun> used = new ArrayList<>();
    for (PendingRun pending : journal.list()) {
      if (!modelDigest.equals(pending.modelDigest()) || pending.shards() == null) {
        continue;
      }
      Map<Integer, TaskOutcome> done = null;
      for (Integer shardId : toScore) {
        Shard shard = plan.shard(shardId);
        PendingRun.PendingShard ps = pending.shards().get(shard.name());
        if (out.containsKey(shardId)
            || ps == null
            || !ps.fingerprint().equals(census.of(shardId).encoded())
            || !identity.apply(shardId).equals(ps.identity())) {
          continue;
        }
        if (done == null) {
          done = journal.completed(pending);
        }
        if (!done.keySet().containsAll(ps.partitions())) {
          continue;
        }
        List<TaskOutcome> outcomes = new ArrayList<>();
        for (Integer partition : ps.partitions()) {
          outcomes.add(done.get(partition));
        }
        if (!scoredRows(outcomes).equals(census.of(shardId))) {
          // The tasks read other rows than the census counts now (the input changed while that
          // attempt ran, or since): its files are not this input's.
          continue;
        }
        if (outcomes.stream().allMatch(o -> staged(fs, o))) {
          out.put(shardId, outcomes);
          if (!used.contains(pending)) {
            used.add(pending);
          }
        } else {
          LOG.warn(
              "Shard {} finished in run {} (attempt {}) but some of its staged files are gone;"
                  + " scoring it again",
              shard.name(),
              pending.runId(),
              pending.attemptId());
        }
      }
    }
    if (!out.isEmpty()) {
      LOG.info(
          "Resuming {} shard(s) finished by an earlier attempt that did not commit: {}",
          out.size(),
          out.keySet().stream().map(id -> plan.shard(id).name()).toList());
    }
    return new Resumed(out, used);
  }

  /** The fingerprint of the rows the tasks actually read, from their completion markers. */
  private static ShardFingerprint scoredRows(List<TaskOutcome> outcomes) {
    ShardFingerprint fp = ShardFingerprint.EMPTY;
    for (TaskOutcome o : outcomes) {
      fp = fp.plus(new ShardFingerprint(o.rowsIn(), o.hashA(), o.hashB()));
    }
    return fp;
  }

  /**
   * Removes the journal and staging of the attempt that committed {@code newest}, if a crash after
   * its commit left them (the commit's files were rolled forward before this is called).
   */
  static void forgetCommitted(PendingJournal journal, Manifest newest) {
    for (PendingRun p : journal.list()) {
      if (p.attemptId() != null && p.attemptId().equals(newest.commitId())) {
        journal.remove(p);
      }
    }
  }

  /** Journals of attempts that never committed and are older than {@link #STALE_AFTER_MILLIS}. */
  static List<PendingRun> stale(PendingJournal journal, long nowMillis) {
    return journal.list().stream()
        .filter(p -> nowMillis - p.startedAtMillis() > STALE_AFTER_MILLIS)
        .toList();
  }

  /** True when every file of a finished task is still in its staging folder. */
  private static boolean staged(FileSystem fs, TaskOutcome o) {
    try {
      return (o.data() == null || fs.exists(new Path(o.dataStagedAs())))
          && (o.errors() == null || fs.exists(new Path(o.errorsStagedAs())));
    } catch (IOException e) {
      return false;
    }
  }

  /** Writes the journal of an attempt that scores {@code toScore} into {@code staging}. */
  PendingRun record(
      PendingJournal journal,
      String runId,
      String attemptId,
      long baseVersion,
      ShardPlacement placement,
      Set<Integer> toScore,
      Path staging) {
    Map<String, PendingRun.PendingShard> shards = new LinkedHashMap<>();
    for (Integer shardId : toScore) {
      List<Integer> partitions = new ArrayList<>();
      for (int k = 0; k < placement.partitionsOf(shardId); k++) {
        partitions.add(placement.firstPartitionOf(shardId) + k);
      }
      shards.put(
          plan.shard(shardId).name(),
          new PendingRun.PendingShard(
              census.of(shardId).encoded(), identity.apply(shardId), partitions));
    }
    PendingRun run =
        new PendingRun(
            runId,
            attemptId,
            baseVersion,
            System.currentTimeMillis(),
            modelDigest,
            staging.toString(),
            shards);
    try {
      journal.write(run);
    } catch (IOException e) {
      throw new CommitException(
          "Cannot write the pending journal of run "
              + runId
              + ": "
              + e.getMessage()
              + ". Check that the output is writable.",
          e);
    }
    return run;
  }
}

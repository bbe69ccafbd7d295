package io.shardscore.job;

import io.shardscore.job.change.ShardCensus;
import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.PendingRun;
import io.shardscore.job.score.TaskOutcome;
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
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Shard-level resume: records which shards a run scores (the pending journal) and finds, for a
 * later run with the same model, settings and input fingerprints, the shards an uncommitted run
 * already finished, so that only the rest are scored again.
 */
final class ShardResume {
  private static final Logger LOG = LogManager.getLogger(ShardResume.class);

  private final ShardPlan plan;
  private final ShardCensus census;
  private final String modelDigest;
  private final String settingsDigest;

  ShardResume(ShardPlan plan, ShardCensus census, String modelDigest, String settingsDigest) {
    this.plan = plan;
    this.census = census;
    this.modelDigest = modelDigest;
    this.settingsDigest = settingsDigest;
  }

  /**
   * Outcomes of shards that a pending (uncommitted) run already finished with the same model,
   * settings and input fingerprint, by current shard id.
   */
  Map<Integer, List<TaskOutcome>> finished(
      PendingJournal journal, Set<Integer> toScore, FileSystem fs, Path outputRoot) {
    Map<Integer, List<TaskOutcome>> out = new HashMap<>();
    for (PendingRun pending : journal.list()) {
      if (!pending.modelDigest().equals(modelDigest)
          || !pending.settingsDigest().equals(settingsDigest)) {
        continue;
      }
      Map<Integer, TaskOutcome> done = journal.completed(pending);
      for (Integer shardId : toScore) {
        Shard shard = plan.shard(shardId);
        PendingRun.PendingShard ps = pending.shards().get(shard.name());
        if (out.containsKey(shardId)
            || ps == null
            || !ps.fingerprint().equals(census.of(shardId).encoded())
            || !done.keySet().containsAll(ps.partitions())) {
          continue;
        }
        List<TaskOutcome> outcomes = new ArrayList<>();
        for (Integer partition : ps.partitions()) {
          outcomes.add(done.get(partition));
        }
        if (outcomes.stream().allMatch(o -> filesPresent(fs, outputRoot, o))) {
          out.put(shardId, outcomes);
        } else {
          LOG.warn(
              "Shard {} finished in run {} but some of its staged files are gone; scoring it again",
              shard.name(),
              pending.runId());
        }
      }
    }
    if (!out.isEmpty()) {
      LOG.info(
          "Resuming {} shard(s) finished by an earlier run that did not commit: {}",
          out.size(),
          out.keySet().stream().map(id -> plan.shard(id).name()).toList());
    }
    return out;
  }

  /** True when every file of a finished task is still staged, or already moved into place. */
  private static boolean filesPresent(FileSystem fs, Path outputRoot, TaskOutcome o) {
    try {
      if (o.data() != null
          && !fs.exists(new Path(o.dataStagedAs()))
          && !fs.exists(new Path(outputRoot, o.data().path()))) {
        return false;
      }
      return o.errors() == null
          || fs.exists(new Path(o.errorsStagedAs()))
          || fs.exists(new Path(outputRoot, o.errors().path()));
    } catch (IOException e) {
      return false;
    }
  }

  /** Writes the journal of run {@code runId}, which scores {@code toScore} into {@code staging}. */
  void record(
      PendingJournal journal,
      String runId,
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
          new PendingRun.PendingShard(census.of(shardId).encoded(), partitions));
    }
    try {
      journal.write(new PendingRun(runId, modelDigest, settingsDigest, staging.toString(), shards));
    } catch (IOException e) {
      throw new CommitException(
          "Cannot write the pending journal of run "
              + runId
              + ": "
              + e.getMessage()
              + ". Check that the output is writable.",
          e);
    }
  }
}

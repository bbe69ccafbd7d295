package io.shardscore.job.commit;

import java.util.List;
import java.util.Map;

/**
 * The journal of a run that has started scoring but not committed: which shards it scores, from
 * which input (fingerprint), with which model and settings, and where it stages files. A later run
 * with the same model and settings reuses every shard whose tasks all finished and whose input is
 * unchanged, so a crash costs only the unfinished shards.
 *
 * @param shards shard name to its fingerprint and the partitions that score it
 */
public record PendingRun(
    String runId,
    String modelDigest,
    String settingsDigest,
    String stagingDir,
    Map<String, PendingShard> shards) {

  /** One shard of a pending run. */
  public record PendingShard(String fingerprint, List<Integer> partitions) {}
}

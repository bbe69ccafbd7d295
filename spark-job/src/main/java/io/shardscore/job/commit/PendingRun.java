package io.shardscore.job.commit;

import java.util.List;
import java.util.Map;

/**
 * The journal of an attempt that has started scoring but not committed: which shards it scores,
 * from which input (fingerprint), with which model and shard identity, on which committed version,
 * and where it stages files. A later attempt with the same model and identities reuses every shard
 * whose tasks all finished and whose input is unchanged, so a crash costs only the unfinished
 * shards.
 *
 * @param attemptId unique per attempt (see docs/commit-protocol.md)
 * @param baseVersion the committed version the attempt started from, 0 for none
 * @param startedAtMillis when the journal was written
 * @param shards shard name to its fingerprint, identity and the partitions that score it
 */
public record PendingRun(
    String runId,
    String attemptId,
    long baseVersion,
    long startedAtMillis,
    String modelDigest,
    String stagingDir,
    Map<String, PendingShard> shards) {

  /** The journal's file name: the run id and the attempt id, unique per attempt. */
  public String journalName() {
    return runId + "." + attemptId + ".json";
  }

  /**
   * One shard of a pending run.
   *
   * @param identity the shard identity digest (settings, policies, role) it was scored under
   */
  public record PendingShard(String fingerprint, String identity, List<Integer> partitions) {}
}

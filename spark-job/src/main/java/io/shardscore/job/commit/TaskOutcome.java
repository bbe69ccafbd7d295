package io.shardscore.job.commit;

import java.io.Serializable;

/**
 * What one successful task attempt did for its partition: the files it staged (absolute) and what
 * they will be called once committed, with row counts as written. Spark returns exactly one outcome
 * per partition, from the attempt that succeeded.
 *
 * @param taskAttemptId Spark's task attempt id (unique in the SparkContext), part of every file
 *     name
 * @param data the scored rows' file, or null when no row was scored
 * @param errors the unscorable rows' file, or null when every row was scored
 * @param executorId the executor that ran the task ({@code driver} in local mode)
 * @param modelLoadsInJvm the registry's load count in that executor JVM after the task
 * @param hashA sum of the first 64-bit content hash over the partition's input rows
 * @param hashB sum of the second 64-bit content hash over the partition's input rows
 */
public record TaskOutcome(
    int partition,
    long taskAttemptId,
    int shardId,
    long rowsIn,
    WrittenFile data,
    String dataStagedAs,
    WrittenFile errors,
    String errorsStagedAs,
    long batches,
    long modelNanos,
    long taskNanos,
    String executorId,
    int modelLoadsInJvm,
    long hashA,
    long hashB,
    String device)
    implements Serializable {

  /** The same outcome with its files staged elsewhere (a resuming attempt adopted them). */
  public TaskOutcome stagedAt(String newDataStagedAs, String newErrorsStagedAs) {
    return new TaskOutcome(
        partition,
        taskAttemptId,
        shardId,
        rowsIn,
        data,
        newDataStagedAs,
        errors,
        newErrorsStagedAs,
        batches,
        modelNanos,
        taskNanos,
        executorId,
        modelLoadsInJvm,
        hashA,
        hashB,
        device);
  }

  public long rowsScored() {
    return data == null ? 0 : data.rows();
  }

  public long rowsRejected() {
    return errors == null ? 0 : errors.rows();
  }
}

package io.shardscore.job.metrics;

/**
 * What one executor tells the driver when a task finishes: the task's own counts and the model
 * events of its JVM since the last report. Travels as a {@code long[]}, so that the driver's RPC
 * threads can read it whatever class loader they have.
 *
 * @param tasks 1 for a finished task, 0 for a report of model events alone
 * @param gpuTasks 1 when the task scored on a GPU
 */
public record TaskMetrics(
    long tasks,
    long gpuTasks,
    long rowsScored,
    long rowsRejected,
    long batches,
    long modelNanos,
    long modelLoads,
    long modelLoadMillis,
    long oomHalvings) {
  private static final int FIELDS = 9;

  public long[] encode() {
    return new long[] {
      tasks,
      gpuTasks,
      rowsScored,
      rowsRejected,
      batches,
      modelNanos,
      modelLoads,
      modelLoadMillis,
      oomHalvings
    };
  }

  /** The metrics {@link #encode} wrote, or {@code null} when {@code message} is something else. */
  public static TaskMetrics decode(Object message) {
    if (!(message instanceof long[] v) || v.length != FIELDS) {
      return null;
    }
    return new TaskMetrics(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
  }
}

package io.shardscore.job.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;

/**
 * The driver's cluster-wide live counts: the sum of every executor's {@link TaskMetrics}, under the
 * names of {@link ScoringMetrics}, plus {@value #MODEL_MILLIS} (time tasks spent in the model).
 * Live: a task attempt that is later retried has been counted too; the committed counts come from
 * the task results and the manifest.
 */
public final class ClusterMetrics {
  /** Counter: milliseconds tasks spent in the model, summed over tasks. */
  public static final String MODEL_MILLIS = "modelMillis";

  private final Counter tasks;
  private final Counter gpuTasks;
  private final Counter rowsScored;
  private final Counter rowsRejected;
  private final Counter batches;
  private final Counter modelMillis;
  private final Counter modelLoads;
  private final Counter modelLoadMillis;
  private final Counter oomHalvings;
  private long modelNanosRemainder;

  public ClusterMetrics(MetricRegistry registry) {
    tasks = registry.counter(ScoringMetrics.TASKS);
    gpuTasks = registry.counter(ScoringMetrics.GPU_TASKS);
    rowsScored = registry.counter(ScoringMetrics.ROWS_SCORED);
    rowsRejected = registry.counter(ScoringMetrics.ROWS_REJECTED);
    batches = registry.counter(ScoringMetrics.BATCHES);
    modelMillis = registry.counter(MODEL_MILLIS);
    modelLoads = registry.counter(ScoringMetrics.MODEL_LOADS);
    modelLoadMillis = registry.counter(ScoringMetrics.MODEL_LOAD_MILLIS);
    oomHalvings = registry.counter(ScoringMetrics.OOM_HALVINGS);
  }

  /** Adds one executor report. */
  public synchronized void add(TaskMetrics t) {
    tasks.inc(t.tasks());
    gpuTasks.inc(t.gpuTasks());
    rowsScored.inc(t.rowsScored());
    rowsRejected.inc(t.rowsRejected());
    batches.inc(t.batches());
    long nanos = modelNanosRemainder + t.modelNanos();
    modelMillis.inc(nanos / 1_000_000);
    modelNanosRemainder = nanos % 1_000_000;
    modelLoads.inc(t.modelLoads());
    modelLoadMillis.inc(t.modelLoadMillis());
    oomHalvings.inc(t.oomHalvings());
  }
}

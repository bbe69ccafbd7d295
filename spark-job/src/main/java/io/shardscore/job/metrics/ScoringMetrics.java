package io.shardscore.job.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import io.shardscore.model.DeviceBatcher;
import io.shardscore.model.ModelEvents;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The live scoring metrics of one executor JVM, in the Dropwizard registry the Spark plugin gives
 * it, and the names of every shardscore metric (the driver's cluster-wide ones in {@link
 * ClusterMetrics} use the same names). Updated once per model call or per task, never per row.
 *
 * <p>Nothing is recorded until the plugin {@linkplain #install installs} an instance: library use
 * without the plugin costs one volatile read per batch.
 */
public final class ScoringMetrics implements ModelEvents.Listener {
  private static final Logger LOG = LogManager.getLogger(ScoringMetrics.class);

  /** Counter: rows written to the scored output (also by attempts that were later retried). */
  public static final String ROWS_SCORED = "rowsScored";

  /** Counter: rows written to {@code _errors}. */
  public static final String ROWS_REJECTED = "rowsRejected";

  /** Counter: model calls made by tasks (batches of up to {@code scoring.batch-size} rows). */
  public static final String BATCHES = "batches";

  /** Executor histogram: microseconds one batch spent in the model (queue wait included). */
  public static final String BATCH_MICROS = "batchMicros";

  /** Counter: model loads (warm-up included). */
  public static final String MODEL_LOADS = "modelLoads";

  /** Counter: milliseconds spent loading models. */
  public static final String MODEL_LOAD_MILLIS = "modelLoadMillis";

  /** Executor gauge: batches waiting in this JVM's batching queues now. */
  public static final String QUEUE_DEPTH = "queueDepth";

  /** Executor histogram: rows of each model call a batching queue made. */
  public static final String COALESCED_ROWS = "coalescedRows";

  /** Counter: times a batch was halved after the engine ran out of memory. */
  public static final String OOM_HALVINGS = "oomHalvings";

  /** Counter: scoring tasks finished (also attempts that were later retried). */
  public static final String TASKS = "tasks";

  /** Counter: scoring tasks that ran on a GPU. */
  public static final String GPU_TASKS = "gpuTasks";

  /** Executor gauge: 1 while the last scoring task of this executor used a GPU, else 0. */
  public static final String ON_GPU = "onGpu";

  /** Executor gauge (text, JMX and CSV only): the device of the last scoring task. */
  public static final String DEVICE = "device";

  private static volatile ScoringMetrics installed;

  private final Counter rowsScored;
  private final Counter rowsRejected;
  private final Counter batches;
  private final Histogram batchMicros;
  private final Counter modelLoads;
  private final Counter modelLoadMillis;
  private final Histogram coalescedRows;
  private final Counter oomHalvings;
  private final Counter tasks;
  private final Counter gpuTasks;
  private final Consumer<TaskMetrics> toDriver;
  private final AtomicLong unsentLoads = new AtomicLong();
  private final AtomicLong unsentLoadMillis = new AtomicLong();
  private final AtomicLong unsentHalvings = new AtomicLong();
  private volatile String device = "none";

  private ScoringMetrics(MetricRegistry registry, Consumer<TaskMetrics> toDriver) {
    this.toDriver = toDriver;
    rowsScored = registry.counter(ROWS_SCORED);
    rowsRejected = registry.counter(ROWS_REJECTED);
    batches = registry.counter(BATCHES);
    batchMicros = registry.histogram(BATCH_MICROS);
    modelLoads = registry.counter(MODEL_LOADS);
    modelLoadMillis = registry.counter(MODEL_LOAD_MILLIS);
    coalescedRows = registry.histogram(COALESCED_ROWS);
    oomHalvings = registry.counter(OOM_HALVINGS);
    tasks = registry.counter(TASKS);
    gpuTasks = registry.counter(GPU_TASKS);
    registry.register(QUEUE_DEPTH, (Gauge<Integer>) DeviceBatcher::queuedBatches);
    registry.register(ON_GPU, (Gauge<Integer>) () -> device.startsWith("gpu") ? 1 : 0);
    registry.register(DEVICE, (Gauge<String>) () -> device);
  }

  /**
   * Records this JVM's scoring into {@code registry} from now on, and hands each finished task's
   * {@link TaskMetrics} to {@code toDriver} before the task returns its result.
   */
  public static ScoringMetrics install(MetricRegistry registry, Consumer<TaskMetrics> toDriver) {
    ScoringMetrics m = new ScoringMetrics(registry, toDriver);
    installed = m;
    ModelEvents.listen(m);
    return m;
  }

  /** Stops recording (the executor shuts down). */
  public void uninstall() {
    if (installed == this) {
      installed = null;
      ModelEvents.listen(null);
    }
  }

  /** One model call of a task: {@code rows} rows scored in {@code nanos}. */
  public static void batch(int rows, long nanos) {
    ScoringMetrics m = installed;
    if (m != null) {
      m.batches.inc();
      m.rowsScored.inc(rows);
      m.batchMicros.update(TimeUnit.NANOSECONDS.toMicros(nanos));
    }
  }

  /** {@code rows} more rows went to {@code _errors}. */
  public static void rejected(long rows) {
    ScoringMetrics m = installed;
    if (m != null && rows > 0) {
      m.rowsRejected.inc(rows);
    }
  }

  /**
   * A scoring task finished its files: counts it and reports it to the driver (synchronously,
   * before the task returns). A failed report is logged, never fails the task.
   *
   * @param device the device it scored on, or {@code null} for a shard it did not score
   */
  public static void taskDone(
      long rowsScored, long rowsRejected, long batches, long modelNanos, String device) {
    ScoringMetrics m = installed;
    if (m == null) {
      return;
    }
    boolean gpu = device != null && device.startsWith("gpu");
    m.tasks.inc();
    if (gpu) {
      m.gpuTasks.inc();
    }
    if (device != null) {
      m.device = device;
    }
    m.report(
        new TaskMetrics(
            1,
            gpu ? 1 : 0,
            rowsScored,
            rowsRejected,
            batches,
            modelNanos,
            m.unsentLoads.getAndSet(0),
            m.unsentLoadMillis.getAndSet(0),
            m.unsentHalvings.getAndSet(0)));
  }

  private void report(TaskMetrics t) {
    try {
      toDriver.accept(t);
    } catch (RuntimeException e) {
      LOG.warn("Could not report scoring metrics to the driver: {}", e.toString());
    }
  }

  @Override
  public void modelLoaded(long millis) {
    modelLoads.inc();
    modelLoadMillis.inc(millis);
    unsentLoads.incrementAndGet();
    unsentLoadMillis.addAndGet(millis);
  }

  @Override
  public void coalesced(int batches, int rows) {
    coalescedRows.update(rows);
  }

  @Override
  public void halved(int rows) {
    oomHalvings.inc();
    unsentHalvings.incrementAndGet();
  }
}

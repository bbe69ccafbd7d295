package io.shardscore.job.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.ModelRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live metrics the scoring code feeds, on local Spark (tasks run in this JVM): installed as the
 * plugin installs them, with the driver side fed directly. Their counts must equal the committed
 * counts of the run.
 */
class ScoringMetricsTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;

  @BeforeAll
  static void data() {
    input = SparkTestSession.customers(dir, 6_000);
    model = SparkTestSession.model(dir);
  }

  private static ScoreResult run(String output, String batching) {
    return Shardscore.job(SparkTestSession.get())
        .input(input.toString())
        .shardByRanges("customer_id", "0-2999,3000-5999")
        .maxRowsPerPartition(1_000)
        .model(model.toString(), DemoData.FEATURES)
        .batchSize(128)
        .batching(batching)
        .output(dir.resolve(output).toString())
        .mode(OutputMode.OVERWRITE)
        .execute();
  }

  private static long count(MetricRegistry r, String name) {
    return r.counter(name).getCount();
  }

  private static Object gauge(MetricRegistry r, String name) {
    Gauge<?> g = r.getGauges().get(name);
    return g == null ? null : g.getValue();
  }

  @Test
  void executorAndDriverMetricsEqualTheCommittedCounts() {
    MetricRegistry executor = new MetricRegistry();
    MetricRegistry driver = new MetricRegistry();
    ClusterMetrics cluster = new ClusterMetrics(driver);
    // A fresh registry: this run's tasks load the model exactly once (they share it).
    ModelRegistry.closeAll();
    ScoringMetrics metrics =
        ScoringMetrics.install(executor, t -> cluster.add(TaskMetrics.decode(t.encode())));
    ScoreResult r;
    try {
      r = run("per-task", "per-task");
    } finally {
      metrics.uninstall();
    }
    assertTrue(r.rowsRejected() > 0 && r.rowsScored() > 0, r.toString());
    for (MetricRegistry m : new MetricRegistry[] {executor, driver}) {
      assertEquals(r.rowsScored(), count(m, ScoringMetrics.ROWS_SCORED));
      assertEquals(r.rowsRejected(), count(m, ScoringMetrics.ROWS_REJECTED));
      assertEquals(r.batches(), count(m, ScoringMetrics.BATCHES));
      assertEquals(r.tasks(), count(m, ScoringMetrics.TASKS));
      assertEquals(0, count(m, ScoringMetrics.GPU_TASKS));
      assertEquals(1, count(m, ScoringMetrics.MODEL_LOADS), "one load for all tasks");
      assertEquals(0, count(m, ScoringMetrics.OOM_HALVINGS));
    }
    assertEquals(
        count(executor, ScoringMetrics.MODEL_LOAD_MILLIS),
        count(driver, ScoringMetrics.MODEL_LOAD_MILLIS));
    assertEquals(r.batches(), executor.histogram(ScoringMetrics.BATCH_MICROS).getCount());
    assertEquals(0, executor.histogram(ScoringMetrics.COALESCED_ROWS).getCount(), "no queue");
    assertEquals(0, gauge(executor, ScoringMetrics.QUEUE_DEPTH));
    assertEquals("cpu()", gauge(executor, ScoringMetrics.DEVICE));
    assertEquals(0, gauge(executor, ScoringMetrics.ON_GPU));
  }

  @Test
  void theQueueRecordsTheRowsOfEachCoalescedCall() {
    MetricRegistry executor = new MetricRegistry();
    ScoringMetrics metrics = ScoringMetrics.install(executor, t -> {});
    ScoreResult r;
    try {
      r = run("queued", "queue");
    } finally {
      metrics.uninstall();
    }
    long calls = executor.histogram(ScoringMetrics.COALESCED_ROWS).getCount();
    int maxRows = ScoringConfig.defaults().withBatching("queue").queueSettings().maxRows();
    assertTrue(calls > 0 && calls <= r.batches(), calls + " calls for " + r.batches());
    assertTrue(executor.histogram(ScoringMetrics.COALESCED_ROWS).getSnapshot().getMax() <= maxRows);
    assertEquals(r.batches(), count(executor, ScoringMetrics.BATCHES));
    assertEquals(r.rowsScored(), count(executor, ScoringMetrics.ROWS_SCORED));
    assertEquals(0, gauge(executor, ScoringMetrics.QUEUE_DEPTH), "nothing waits after the run");
  }

  @Test
  void withoutThePluginNothingIsRecordedAndScoringWorks() {
    MetricRegistry executor = new MetricRegistry();
    ScoringMetrics.install(executor, t -> {}).uninstall();
    ScoreResult r = run("plain", "per-task");
    assertTrue(r.rowsScored() > 0);
    assertEquals(0, count(executor, ScoringMetrics.ROWS_SCORED));
  }
}

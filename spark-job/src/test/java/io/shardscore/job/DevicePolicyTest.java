package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.BatchingSettings;
import io.shardscore.model.DeviceBatcher;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device policies and the batching queue on local Spark (no GPU, no GPU scheduling). */
class DevicePolicyTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;

  @BeforeAll
  static void data() {
    input = SparkTestSession.customers(dir, 6_000);
    model = SparkTestSession.model(dir);
  }

  private static ScoreJob job(String output) {
    return Shardscore.job(SparkTestSession.get())
        .input(input.toString())
        .shardByRanges("customer_id", "0-2999,3000-5999")
        .maxRowsPerPartition(1_000)
        .model(model.toString(), DemoData.FEATURES)
        .output(dir.resolve(output).toString())
        .mode(OutputMode.OVERWRITE);
  }

  @Test
  void gpuWithoutGpusRequestedFailsBeforeAnySparkJob() {
    JobConfigException e =
        assertThrows(JobConfigException.class, () -> job("gpu").device("gpu").execute());
    assertTrue(e.getMessage().contains("spark.task.resource.gpu.amount"), e.getMessage());
    assertTrue(e.getMessage().contains("scoring.device: auto"), e.getMessage());
  }

  @Test
  void aStageProfileNeedsAClusterMaster() {
    JobConfigException e =
        assertThrows(
            JobConfigException.class, () -> job("profile").device("auto").gpusPerTask(1).execute());
    assertTrue(e.getMessage().contains("needs a cluster master"), e.getMessage());
  }

  @Test
  void autoWithoutAssignedGpusScoresOnTheCpuAndTheQueueGivesTheSameRows() {
    // local[2] runs the tasks in this JVM: hold the model the runs load (same digest, on the CPU),
    // so that its per-device queue is the one the queued run must use, and read the queue's count
    // of the batches handed in before and after each run.
    ModelSpec spec =
        new ModelSpec(
            model.toString(),
            ModelEngine.ONNX_RUNTIME,
            ModelDigest.of(model),
            DemoData.FEATURES.size());
    BatchingSettings defaults = ScoringConfig.defaults().withBatching("queue").queueSettings();
    ScoreResult direct;
    ScoreResult queued;
    long directBatches;
    long queuedBatches;
    long queuedCalls;
    try (LoadedModel held =
        ModelRegistry.acquire(spec, () -> model, EngineSettings.forTaskCpus(1))) {
      DeviceBatcher queue = held.batcher(defaults);
      long before = queue.batches();
      direct = job("direct").device("auto").execute();
      directBatches = queue.batches() - before;
      before = queue.batches();
      long callsBefore = queue.calls();
      queued = job("queued").device("auto").batching("queue").execute();
      queuedBatches = queue.batches() - before;
      queuedCalls = queue.calls() - callsBefore;
      assertTrue(queue == held.batcher(defaults), "the queue was not replaced during the runs");
    }
    assertEquals(0, directBatches, "per-task batching does not use the queue");
    assertTrue(queued.batches() > 0, queued.toString());
    assertEquals(queued.batches(), queuedBatches, "every batch of the queued run went through it");
    assertTrue(
        queuedCalls > 0 && queuedCalls <= queuedBatches,
        "the queue called the model " + queuedCalls + " times for " + queuedBatches + " batches");
    assertEquals(direct.rowsScored(), queued.rowsScored());
    direct
        .devicesByExecutor()
        .values()
        .forEach(d -> assertEquals("[no gpu -> cpu() (no GPU assigned by Spark)]", d.toString()));
    Dataset<Row> a = direct.dataset().select("customer_id", "label", "score");
    Dataset<Row> b = queued.dataset().select("customer_id", "label", "score");
    assertEquals(0, a.exceptAll(b).count(), "the queue returns every row's own prediction");
    assertEquals(0, b.exceptAll(a).count());
  }

  @Test
  void unknownDeviceOrBatchingIsAConfigError() {
    JobConfigException e =
        assertThrows(
            JobConfigException.class, () -> job("x").device("tpu").batching("pooled").execute());
    assertTrue(
        e.getMessage().contains("scoring.device is 'tpu'; use cpu, gpu or auto"), e.getMessage());
    assertTrue(e.getMessage().contains("scoring.batching is 'pooled'"), e.getMessage());
  }
}

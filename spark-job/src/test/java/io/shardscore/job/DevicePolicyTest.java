package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
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
    ScoreResult direct = job("direct").device("auto").execute();
    ScoreResult queued = job("queued").device("auto").batching("queue").execute();
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

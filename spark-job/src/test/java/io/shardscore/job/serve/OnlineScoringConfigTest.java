package io.shardscore.job.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.demo.DemoData;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shardscore serve} reads a job file's {@code model:} and {@code scoring:} sections with the
 * batch job's reader and checks: the same messages for the same mistakes, and no need for the
 * sections only a batch run uses.
 */
class OnlineScoringConfigTest {
  @TempDir Path dir;

  private String modelYaml() {
    return "model:\n  path: "
        + SparkTestSession.model(dir)
        + "\n  features: "
        + JobYaml.flow(DemoData.FEATURES)
        + "\n";
  }

  @Test
  void aJobFileWithOnlyModelAndScoringServes() {
    JobConfig job =
        JobConfigReader.parse(modelYaml() + "scoring:\n  queue-max-wait-ms: 1\n", "serve job");
    ScoringServer server =
        OnlineScoring.start(job, ServerSettings.onPort(0), OnlineScoring.Batching.PER_REQUEST);
    try {
      assertTrue(server.ready());
    } finally {
      server.stop();
    }
  }

  @Test
  void badModelAndScoringValuesGetTheBatchJobsMessages() {
    JobConfig job =
        SparkTestSession.job(
            dir.resolve("in"),
            SparkTestSession.model(dir),
            dir.resolve("out"),
            "0-9",
            "scoring:\n  queue-max-rows: 0\n  batching: sometimes\n");
    JobConfigException batch =
        assertThrows(JobConfigException.class, () -> JobConfigValidator.validate(job));
    JobConfigException online =
        assertThrows(
            JobConfigException.class,
            () -> OnlineScoring.start(job, ServerSettings.onPort(0), OnlineScoring.Batching.QUEUE));
    assertEquals(2, online.problems().size(), online.getMessage());
    assertTrue(batch.problems().containsAll(online.problems()), online.getMessage());
    assertTrue(online.getMessage().contains("scoring.queue-max-rows is 0"), online.getMessage());
  }

  @Test
  void aMissingModelSectionIsNamed() {
    JobConfig job = JobConfigReader.parse("scoring:\n  batch-size: 10\n", "serve job");
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () -> OnlineScoring.start(job, ServerSettings.onPort(0), OnlineScoring.Batching.QUEUE));
    assertEquals("model is missing; set model.path and model.features.", e.getMessage());
  }

  @Test
  void aScoreIndexOutsideTheModelsOutputIsRefusedAsInARun() {
    JobConfig job =
        JobConfigReader.parse(modelYaml() + "  outputs:\n    score-index: 5\n", "serve job");
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () -> OnlineScoring.start(job, ServerSettings.onPort(0), OnlineScoring.Batching.QUEUE));
    assertTrue(e.getMessage().startsWith("model.outputs.score-index is 5"), e.getMessage());
  }
}

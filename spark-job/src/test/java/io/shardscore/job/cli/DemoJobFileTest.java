package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.config.Settings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The job file {@code shardscore demo} writes is valid and spells out the defaults it runs with.
 */
class DemoJobFileTest {
  @Test
  void theDemoJobFileIsValidAndShowsTheDefaults() {
    DemoCommand demo = new DemoCommand();
    demo.rows = 100;
    demo.shards = 2;
    String yaml =
        demo.jobYaml(Path.of("/d/customers"), Path.of("/d/churn.onnx"), Path.of("/d/out"));
    JobConfig job = JobConfigValidator.validate(JobConfigReader.parse(yaml, "job.yaml"));
    assertEquals(2, job.sharding().ranges().size());
    assertEquals(Settings.BATCH_SIZE.defaultValue().orElseThrow(), job.scoring().batchSize());
    assertEquals(
        Settings.MAX_ERROR_FRACTION.defaultValue().orElseThrow(), job.scoring().maxErrorFraction());
    assertEquals("OnnxRuntime", job.model().engine());
  }
}

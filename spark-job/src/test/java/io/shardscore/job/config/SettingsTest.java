package io.shardscore.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.DevicePolicy;
import io.shardscore.sharding.StrayKeyPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings table: one declaration feeds defaults, setters, parsing and the checks. */
class SettingsTest {
  private static final JobConfig VALID =
      JobConfigReader.parse(
          """
          input: {path: data/in}
          output: {path: out/scores}
          sharding: {key: customer_id, ranges: 0-999}
          model: {path: m.onnx, features: [a, b]}
          """,
          "job.yaml");

  private static final JobConfig EMPTY = new JobConfig(null, null, null, null, null, null);

  private static List<String> problems(JobConfig config) {
    return assertThrows(JobConfigException.class, () -> JobConfigValidator.validate(config))
        .problems();
  }

  @Test
  void theRecordsTakeTheirDefaultsFromTheTable() {
    for (Setting<?> s : Settings.all()) {
      if (s.defaultValue().isPresent()) {
        assertEquals(s.defaultValue().get(), s.get(EMPTY.with(s, null)), s.key());
      }
    }
    assertEquals(1024, ScoringConfig.defaults().batchSize());
    assertEquals("error-if-exists", new OutputConfig("out", null).mode());
  }

  @Test
  void aSettingIsSetByItsDeclarationOrByItsKeyAndText() {
    JobConfig c = VALID.with(Settings.BATCH_SIZE, 10).with("scoring.max-error-fraction", "0.5");
    assertEquals(10, c.scoring().batchSize());
    assertEquals(0.5, c.scoring().maxErrorFraction());
    assertEquals("data/in", c.input().path(), "the rest is kept");
    assertEquals(List.of("a", "b"), c.model().features());
    assertEquals(1024, c.with(Settings.BATCH_SIZE, null).get(Settings.BATCH_SIZE), "null: default");
    assertEquals(List.of("x", "y[3]"), c.with("model.features", "x, y[3]").get(Settings.FEATURES));
    assertEquals("s", c.with(Settings.SCORE, "s").model().outputs().score());
    assertEquals(
        Map.of("spark.sql.shuffle.partitions", "8"),
        c.with("spark.*", "spark.sql.shuffle.partitions=8").spark());
    assertEquals(
        List.of("0-9", "10-19"),
        c.with("sharding.ranges", "0-9,10-19").sharding().ranges().stream()
            .map(ShardingConfig.NamedRange::range)
            .toList());
  }

  @Test
  void settingASettingOfAnAbsentSectionCreatesTheSection() {
    JobConfig c = EMPTY.with("output.mode", "overwrite").with(Settings.MAX_ROWS_PER_PARTITION, 5L);
    assertEquals(OutputMode.OVERWRITE, c.output().outputMode());
    assertNull(c.output().path());
    assertEquals(5L, c.sharding().maxRowsPerPartition());
    assertEquals("errors", c.sharding().unmatched(), "the new section has its defaults");
  }

  @Test
  void textOfTheWrongTypeOrAnUnknownKeyIsAConfigError() {
    assertEquals(
        "scoring.batch-size is 'lots'; use 1 to 1000000 (1024 is a good start).",
        assertThrows(JobConfigException.class, () -> VALID.with("scoring.batch-size", "lots"))
            .getMessage());
    assertEquals(
        "scoring.max-error-fraction is 'x'; use a fraction from 0 (no bad rows allowed) to 1.",
        assertThrows(JobConfigException.class, () -> VALID.with("scoring.max-error-fraction", "x"))
            .getMessage());
    String unknown =
        assertThrows(JobConfigException.class, () -> VALID.with("scoring.batchsize", "1"))
            .getMessage();
    assertTrue(unknown.contains("'scoring.batchsize'"), unknown);
    assertTrue(unknown.contains("scoring.batch-size"), unknown);
  }

  @Test
  void everyRangeAndChoiceMessageKeepsItsWording() {
    JobConfig bad =
        VALID
            .with(Settings.BATCH_SIZE, 0)
            .with(Settings.MAX_ERROR_FRACTION, 2.0)
            .with(Settings.DEVICE, "tpu")
            .with(Settings.BATCHING, "pooled")
            .with(Settings.QUEUE_MAX_ROWS, 0)
            .with(Settings.QUEUE_MAX_WAIT_MS, -1)
            .with(Settings.GPUS_PER_TASK, 0.0)
            .with(Settings.MAX_ROWS_PER_PARTITION, 0L)
            .with(Settings.UNMATCHED, "drop")
            .with(Settings.NULL_KEYS, "Skip")
            .with(Settings.OUTPUT_MODE, "append")
            .with(Settings.OUTPUT_RETENTION, "1w")
            .with(Settings.SCORE_INDEX, -1);
    assertEquals(
        List.of(
            "output.mode is 'append'; use error-if-exists (default), overwrite or incremental.",
            "output.retention is '1w'; use a duration such as 0 (delete at once), 90s, 30m, 12h"
                + " or 7d.",
            "sharding.unmatched is 'drop'; use one of: shard, errors, fail.",
            "sharding.null-keys is 'Skip'; use one of: shard, errors, fail.",
            "sharding.max-rows-per-partition is 0; use a positive row budget, e.g. 1000000.",
            "model.outputs.score-index is -1; use 0 or more.",
            "scoring.batch-size is 0; use 1 to 1000000 (1024 is a good start).",
            "scoring.max-error-fraction is 2.0; use a fraction from 0 (no bad rows allowed) to 1.",
            "scoring.device is 'tpu'; use cpu, gpu or auto.",
            "scoring.batching is 'pooled'; use per-task (each task calls the model) or queue (one"
                + " queue per device coalesces the tasks' batches).",
            "scoring.queue-max-rows is 0; use 1 or more (8192).",
            "scoring.queue-max-wait-ms is -1; use 0 or more (2).",
            "scoring.gpus-per-task is 0.0; use a share of a GPU such as 0.25 (four tasks per GPU)"
                + " or a whole number."),
        problems(bad));
    assertEquals(
        List.of(
            "scoring.max-error-fraction is NaN; use a fraction from 0 (no bad rows allowed) to 1."),
        problems(VALID.with(Settings.MAX_ERROR_FRACTION, Double.NaN)));
    assertEquals(
        List.of(
            "sharding.hash-buckets is 0; use 1 to 100000.",
            "sharding.quantiles is 10001; use 1 to 10000.",
            "sharding sets 3 of ranges, values, hash-buckets, quantiles; set exactly one, e.g."
                + " ranges: '0-999,1000-1999'."),
        problems(VALID.with(Settings.HASH_BUCKETS, 0).with(Settings.QUANTILES, 10_001)));
  }

  @Test
  void requiredSettingsSayHowToSetThem() {
    assertEquals(
        List.of(
            "input.path is missing; set it to the data to score, e.g. 'data/customers'.",
            "output.path is missing; set it to a folder for the results, e.g. 'out/scores'.",
            "sharding.key is missing; name the key column, e.g. 'customer_id'.",
            "model.path is missing; set it to the model file, e.g. 'models/churn.onnx'.",
            "model.features is empty; list the input columns in the model's order, e.g. [age,"
                + " spend[6]] (or set model.inputs for a model of named inputs, model.text.column"
                + " for a text model)."),
        problems(
            VALID
                .with(Settings.INPUT_PATH, null)
                .with(Settings.OUTPUT_PATH, " ")
                .with(Settings.SHARDING_KEY, null)
                .with(Settings.MODEL_PATH, null)
                .with(Settings.FEATURES, List.of())));
    // A caller that passes the input as a Dataset needs no input.path.
    JobConfigValidator.validate(VALID.with(Settings.INPUT_PATH, null), true);
  }

  @Test
  void choicesParseOneWayAndTeachTheValues() {
    assertEquals(DevicePolicy.AUTO, VALID.with(Settings.DEVICE, " Auto ").scoring().devicePolicy());
    assertEquals(Batching.QUEUE, VALID.with(Settings.BATCHING, "QUEUE").scoring().batchingMode());
    assertEquals(
        StrayKeyPolicy.FAIL, VALID.with(Settings.UNMATCHED, "fail").sharding().unmatchedPolicy());
    assertEquals(OutputMode.INCREMENTAL, OutputMode.parse("incremental"));
    assertEquals("error-if-exists", OutputMode.ERROR_IF_EXISTS.configName());
    assertEquals("per-task", Batching.PER_TASK.configName());
    assertEquals(List.of("shard", "errors", "fail"), Settings.NULL_KEYS.choices());
    assertEquals(
        "spark.x is 'gpu0'; use one of: cpu, gpu, auto.",
        assertThrows(
                JobConfigException.class,
                () ->
                    Choices.parse(
                        "spark.x", "gpu0", DevicePolicy.class, Choices.oneOf(DevicePolicy.class)))
            .getMessage());
    assertEquals(
        "scoring.device is 'tpu'; use cpu, gpu or auto.",
        assertThrows(
                JobConfigException.class,
                () -> VALID.with(Settings.DEVICE, "tpu").scoring().devicePolicy())
            .getMessage());
  }

  @Test
  void retentionParsesDurations() {
    assertEquals(
        Duration.ofHours(12), VALID.with("output.retention", "12h").output().retentionPeriod());
    assertEquals(Duration.ZERO, Retention.parse("0"));
    assertEquals(
        "--retention is 'soon'; use a duration such as 0 (delete at once), 90s, 30m, 12h or 7d.",
        assertThrows(JobConfigException.class, () -> Retention.parse("soon", "--retention"))
            .getMessage());
  }
}

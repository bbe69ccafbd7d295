package io.shardscore.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Job files are read and checked without Spark; every error names key, value and fix. */
class JobConfigTest {
  private static final String VALID =
      """
      input: {path: data/in}
      output: {path: out/scores}
      sharding:
        key: customer_id
        ranges: 0-999,1000-1999
      model:
        path: m.onnx
        features: [a, b, 'spend[6]']
      """;

  private static JobConfig parse(String yaml) {
    return JobConfigValidator.validate(JobConfigReader.parse(yaml, "job.yaml"));
  }

  private static String error(String yaml) {
    return assertThrows(JobConfigException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void aValidFileGetsItsDefaults() {
    JobConfig c = parse(VALID);
    assertEquals(1024, c.scoring().batchSize());
    assertEquals(0.01, c.scoring().maxErrorFraction());
    assertEquals(OutputMode.ERROR_IF_EXISTS, c.output().outputMode());
    assertEquals("parquet", c.input().format());
    assertEquals(8, c.model().featureWidth());
    assertEquals(
        List.of("0-999", "1000-1999"),
        c.sharding().ranges().stream().map(ShardingConfig.NamedRange::range).toList());
  }

  @Test
  void anUnknownKeyIsAnErrorNamingTheKeyAndTheValidKeys() {
    String msg = error(VALID + "scoring:\n  batchsize: 512\n");
    assertTrue(msg.contains("'scoring.batchsize'"), msg);
    assertTrue(msg.contains("batch-size"), msg);
    assertTrue(msg.contains("Fix the spelling"), msg);
    assertTrue(error(VALID + "outptu: x\n").contains("at the top level"));
  }

  /** YAML's NO (a boolean), 01234 (octal) and 1.10 (a float) are key values as written. */
  @Test
  void valueListsHoldTheirValuesAsWritten() {
    JobConfig c =
        parse(
            VALID.replace("ranges: 0-999,1000-1999", "values: {x: [NO, 01234, 1.10, yes, 'a b']}")
                + "");
    assertEquals(List.of("NO", "01234", "1.10", "yes", "a b"), c.sharding().values().get("x"));
    JobConfig block =
        parse(
            VALID.replace(
                "ranges: 0-999,1000-1999", "values:\n    nordics:\n      - NO\n      - 010"));
    assertEquals(List.of("NO", "010"), block.sharding().values().get("nordics"));
  }

  @Test
  void aValueOfTheWrongTypeNamesTheKey() {
    String msg = error(VALID + "scoring:\n  batch-size: lots\n");
    assertTrue(msg.contains("'scoring.batch-size'"), msg);
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () ->
                parse(
                    "sharding: {key: id, hash-buckets: 0}\nscoring: {batch-size: 0, max-error-fraction: 2}\n"));
    assertTrue(e.problems().size() >= 5, e.getMessage());
    String msg = e.getMessage();
    assertTrue(msg.contains("input.path is missing"), msg);
    assertTrue(msg.contains("output.path is missing"), msg);
    assertTrue(msg.contains("model is missing"), msg);
    assertTrue(msg.contains("scoring.batch-size is 0"), msg);
    assertTrue(msg.contains("scoring.max-error-fraction is 2.0"), msg);
    assertTrue(msg.contains("sharding.hash-buckets is 0"), msg);
  }

  @Test
  void rangesMayBeACompactStringAListOrNamedEntries() {
    JobConfig named =
        parse(
            VALID.replace(
                "ranges: 0-999,1000-1999",
                "ranges:\n    - {name: low, range: 0-999}\n    - 1000-1999"));
    assertEquals("low", named.sharding().ranges().get(0).name());
    assertEquals(null, named.sharding().ranges().get(1).name());
    String msg = error(VALID.replace("0-999,1000-1999", "0-999,1000-x"));
    assertTrue(msg.contains("'x'"), msg);
  }

  @Test
  void exactlyOneShardingStrategyIsAllowed() {
    String msg = error(VALID.replace("ranges: 0-999,1000-1999", "ranges: 0-9\n  hash-buckets: 4"));
    assertTrue(msg.contains("sets 2 of ranges, values, hash-buckets, quantiles"), msg);
  }

  @Test
  void anOutputInsideTheInputIsRejected() {
    String msg = error(VALID.replace("out/scores", "data/in/scores"));
    assertTrue(msg.contains("overlaps input.path"), msg);
  }

  @Test
  void featureAndOutputNamesAreChecked() {
    assertTrue(error(VALID.replace("'spend[6]'", "'spend[x]'")).contains("spend[x]"));
    assertTrue(
        error(VALID.replace("'spend[6]'", "'spend[99999999999]'"))
            .contains("declares 99999999999 elements, more than one tensor row can hold"));
    assertTrue(error(VALID.replace("[a, b,", "[a, a,")).contains("lists 'a' twice"));
    assertTrue(error(VALID + "  outputs: {score: run_id}\n").contains("reserved"));
  }

  @Test
  void outputNamesThatDifferFromAWrittenColumnOnlyInCaseAreRejected() {
    assertTrue(error(VALID + "  outputs: {score: Run_ID}\n").contains("'Run_ID' is reserved"));
    assertTrue(error(VALID + "  outputs: {label: shard}\n").contains("'shard' is reserved"));
    assertTrue(
        error(VALID + "  outputs: {score: p, label: P}\n").contains("name 'P' twice"),
        error(VALID + "  outputs: {score: p, label: P}\n"));
  }

  @Test
  void anArrayFeatureIsNamedAsWrittenSpacesAndDotsIncluded() {
    assertEquals(
        new FeatureColumn("usage by month", 12, true), FeatureColumn.parse("usage by month[12]"));
    assertEquals(new FeatureColumn("plan.tier", 1, false), FeatureColumn.parse("plan.tier"));
    assertEquals(new FeatureColumn("a[b]", 3, true), FeatureColumn.parse(" a[b] [ 3 ] "));
    assertTrue(
        error(VALID.replace("path: m.onnx", "path: m.onnx\n  engine: TensorFlow"))
            .contains("OnnxRuntime"));
  }

  @Test
  void strayKeyPoliciesAndModesAreChecked() {
    String msg = error(VALID.replace("ranges: 0-999,1000-1999", "ranges: 0-9\n  unmatched: drop"));
    assertTrue(msg.contains("sharding.unmatched is 'drop'; use one of: shard, errors, fail"), msg);
    assertTrue(
        error(VALID.replace("out/scores}", "out/scores, mode: append}"))
            .contains("error-if-exists"));
  }

  @Test
  void aDuplicateKeyIsAnErrorNamingTheKeyAndBothLines() {
    String twice = error(VALID + "scoring:\n  batch-size: 5\n  batch-size: 6\n");
    assertEquals(
        "Duplicate key 'scoring.batch-size' in job.yaml: line 10 and line 11. Keep one of them.",
        twice);
    assertEquals(
        "Duplicate key 'output.path' in job.yaml: line 3 and line 4. Keep one of them.",
        error(
            VALID.replace(
                "output: {path: out/scores}", "output:\n  path: out/scores\n  path: out/other")));
    assertEquals(
        "Duplicate key 'input' in job.yaml: line 1 and line 9. Merge the two into one 'input:'"
            + " section.",
        error(VALID + "input:\n  path: data/other\n"));
    assertEquals(
        "Duplicate key 'spark.executor.memory' under 'spark:' in job.yaml: line 10 and line 11."
            + " Keep one of them.",
        error(VALID + "spark:\n  spark.executor.memory: 2g\n  spark.executor.memory: 4g\n"));
    assertEquals(
        "Duplicate key 'sharding.ranges[0].name' in job.yaml: line 5, column 13 and line 5, column"
            + " 24. Keep one of them.",
        error(
            VALID.replace(
                "ranges: 0-999,1000-1999", "ranges: [{name: low, name: lower, range: 0-999}]")));
  }

  @Test
  void everyDuplicateKeyIsReportedAtOnce() {
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () ->
                JobConfigReader.parse(
                    VALID + "scoring:\n  batch-size: 5\n  batch-size: 6\ninput: {path: x}\n",
                    "job.yaml"));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.problems().get(0).contains("'scoring.batch-size'"), e.getMessage());
    assertTrue(
        e.problems().get(1).contains("'input' in job.yaml: line 1 and line 12"), e.getMessage());
  }

  @Test
  void aSparkSettingSparkCannotReadNamesTheKeyTheValueAndAFix() {
    assertEquals(
        "spark.executor.memory is 'lots' in the spark: section, which Spark cannot read: it should"
            + " be a value of type bytes in MiB. Use a value such as 1g.",
        error(VALID + "spark:\n  spark.executor.memory: lots\n"));
    assertEquals(
        "spark.sql.ansi.enabled is 'maybe' in the spark: section, which Spark cannot read: it"
            + " should be a value of type boolean. Use a value such as true.",
        error(VALID + "spark:\n  spark.sql.ansi.enabled: maybe\n"));
    JobConfigException all =
        assertThrows(
            JobConfigException.class,
            () ->
                parse(
                    VALID
                        + "spark:\n"
                        + "  spark.driver.memory: plenty\n"
                        + "  spark.executor.memoryOverhead: some\n"
                        + "  spark.executor.cores: two\n"
                        + "  spark.network.timeout: soon\n"
                        + "  spark.sql.shuffle.partitions: many\n"
                        + "  spark.sql.parquet.compression.codec: zipzap\n"));
    String msg = all.getMessage();
    assertEquals(6, all.problems().size(), msg);
    assertTrue(msg.contains("spark.driver.memory is 'plenty'"), msg);
    assertTrue(msg.contains("spark.executor.memoryOverhead is 'some'"), msg);
    assertTrue(msg.contains("spark.executor.cores is 'two'"), msg);
    assertTrue(msg.contains("type time in SECONDS"), msg);
    assertTrue(msg.contains("spark.sql.shuffle.partitions is 'many'"), msg);
    assertTrue(msg.contains("Use a value such as 200"), msg);
    assertTrue(msg.contains("'zipzap'") && msg.contains("snappy"), msg);
  }

  @Test
  void sparkSettingsSparkDoesNotKnowAndHadoopSettingsPassThrough() {
    JobConfig c =
        parse(
            VALID
                + "spark:\n"
                + "  spark.myplugin.level: whatever\n"
                + "  spark.hadoop.fs.s3a.connection.maximum: lots\n"
                + "  fs.s3a.endpoint: http://127.0.0.1:9000\n"
                + "  spark.executor.memory: 4g\n"
                + "  spark.driver.memory: ${env:DRIVER_MEMORY}\n"
                + "  spark.sql.ansi.enabled: true\n"
                + "  spark.sql.shuffle.partitions: 8\n");
    assertEquals("4g", c.spark().get("spark.executor.memory"));
    assertEquals("true", c.spark().get("spark.sql.ansi.enabled"));
  }

  @Test
  void aMissingJobFileSaysHowToPassOne() {
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () -> JobConfigReader.read(java.nio.file.Path.of("nope.yaml")));
    assertTrue(e.getMessage().contains("--config"));
  }

  @Test
  void aThirdYamlDocumentAfterAnEmptyOneIsRefusedNotIgnored() {
    String message = error(VALID + "---\n---\nmodel: {path: other.onnx, features: [a]}\n");
    assertTrue(message.contains("more than one YAML document"), message);
  }

  @Test
  void aLeadingDocumentMarkerAndATrailingOneAreOneDocument() {
    JobConfig c = JobConfigReader.parse("---\n" + VALID + "---\n", "test job");
    assertTrue(c.input() != null);
  }

  @Test
  void aSecondYamlDocumentIsRefusedNotIgnored() {
    String message = error(VALID + "---\nmodel: {path: other.onnx, features: [a]}\n");
    assertTrue(message.contains("more than one YAML document"), message);
    assertTrue(message.contains("merge the keys into the first one"), message);
  }

  @Test
  void aTrailingDocumentMarkerAloneIsFine() {
    assertEquals("m.onnx", parse(VALID + "---\n").model().path());
  }

  @Test
  void aSparkSettingWithoutValueNamesTheKey() {
    String message = error(VALID + "spark:\n  spark.executor.memory:\n");
    assertTrue(message.contains("spark.executor.memory"), message);
    assertTrue(message.contains("has no value"), message);
  }
}

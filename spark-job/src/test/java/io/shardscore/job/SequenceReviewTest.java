package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.InputType;
import io.shardscore.model.ModelInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of sequence inputs ({@code column[..n]}): refusals, incremental runs, the queue path and
 * integer sequences, over {@code make_sequence.py}'s models.
 */
class SequenceReviewTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("customer_id", DataTypes.LongType, false)
          .add("d0", DataTypes.DoubleType)
          .add("d1", DataTypes.DoubleType)
          .add("visits", DataTypes.createArrayType(DataTypes.DoubleType, true));

  @TempDir static Path dir;
  static Path models;

  @BeforeAll
  static void make() throws IOException, InterruptedException {
    models = PythonModels.sequence(dir.resolve("seq"));
  }

  /** 40 customers, customer i with i % 6 visits (0 to 5). */
  private static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 40; i++) {
      Object[] visits = new Object[(int) (i % 6)];
      for (int e = 0; e < visits.length; e++) {
        visits[e] = (double) ((i * 7 + e * 3) % 11); // whole numbers, for int64 too
      }
      rows.add(RowFactory.create(i, (i % 5) / 5.0 - 0.4, (i % 3) / 3.0 - 0.3, visits));
    }
    return rows;
  }

  private static void write(List<Row> rows, Path at) throws IOException {
    Path next = at.resolveSibling(at.getFileName() + "-next");
    SparkTestSession.get()
        .createDataFrame(rows, SCHEMA)
        .repartition(2)
        .write()
        .parquet(next.toString());
    if (Files.exists(at)) {
      org.apache.commons.io.FileUtils.deleteDirectory(at.toFile());
    }
    Files.move(next, at);
  }

  private static JobYaml job(Path input, String model, String output) {
    return JobYaml.demo(input, models.resolve(model), dir.resolve(output))
        .remove("model.features")
        .set("model.inputs", "{dense: [d0, d1], events: ['visits[..12]']}")
        .set("model.masks", "{events: events_mask}")
        .set("model.outputs", "{from: '0'}")
        .set("sharding.ranges", JobYaml.quoted("0-19,20-39"))
        .set("scoring.batch-size", 4)
        .set("scoring.max-error-fraction", 0.5);
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "review"))
        .execute();
  }

  private static Map<Long, List<Float>> probabilities(ScoreResult r) {
    Map<Long, List<Float>> out = new TreeMap<>();
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      out.put(row.getLong(0), row.getList(1));
    }
    return out;
  }

  private static JobConfigException refused(JobYaml yaml) {
    return assertThrows(
        JobConfigException.class, () -> JobConfigValidator.validate(yaml.parse("refused")));
  }

  // ---- configuration ----

  @Test
  void aMaximumLengthOfZeroIsRefusedAndOfOneIsASequence() {
    JobYaml yaml = job(dir.resolve("none"), "sequence.pt", "cfg");
    JobConfigException zero =
        refused(yaml.set("model.inputs", "{dense: [d0, d1], events: ['visits[..0]']}"));
    assertTrue(zero.getMessage().contains("visits[..0]"), zero.getMessage());
    JobConfigException huge =
        refused(yaml.set("model.inputs", "{dense: [d0, d1], events: ['visits[..16777217]']}"));
    assertTrue(huge.getMessage().contains("more than one tensor row can hold"), huge.getMessage());
    JobConfig one =
        JobConfigValidator.validate(
            yaml.set("model.inputs", "{dense: [d0, d1], events: ['visits[..1]']}").parse("one"));
    ModelInput events = one.model().modelInputs().get(1);
    assertTrue(events.sequence());
    assertEquals(1, events.maxLength());
    assertEquals(2, events.width());
  }

  @Test
  void aMaskNamedLikeAnInputOrItsOwnSequenceIsRefused() {
    for (String mask : new String[] {"events", "dense"}) {
      JobConfigException e =
          refused(
              job(dir.resolve("none"), "sequence.pt", "cfg")
                  .set("model.masks", "{events: " + mask + "}"));
      assertTrue(e.getMessage().contains("each model input is fed once"), e.getMessage());
    }
  }

  @Test
  void anEmptyMaskNameIsRefusedAsAConfigError() {
    for (String masks : new String[] {"{events: }", "{events: null}", "{events: ''}"}) {
      JobConfigException e =
          refused(job(dir.resolve("none"), "sequence.pt", "cfg").set("model.masks", masks));
      assertTrue(e.getMessage().contains("model.masks"), masks + ": " + e.getMessage());
    }
  }

  @Test
  void anEmptyMaskTypeOrInputIsRefusedAsAConfigError() {
    JobConfigException type =
        refused(
            job(dir.resolve("none"), "sequence.pt", "cfg")
                .set("model.input-types", "{events_mask: }"));
    assertTrue(type.getMessage().contains("model.input-types.events_mask"), type.getMessage());
    JobConfigException input =
        refused(
            job(dir.resolve("none"), "sequence.pt", "cfg")
                .set("model.inputs", "{dense: [d0, d1], events: }"));
    assertTrue(input.getMessage().contains("model.inputs.events"), input.getMessage());
  }

  @Test
  void theMaskTypeIsTheOneModelInputTypesNames() {
    for (String type : new String[] {"float32", "int32", "int64"}) {
      JobConfig cfg =
          JobConfigValidator.validate(
              job(dir.resolve("none"), "sequence.pt", "cfg")
                  .set("model.input-types", "{events_mask: " + type + "}")
                  .parse(type));
      assertEquals(InputType.parse(type, "t"), cfg.model().modelInputs().get(1).maskType(), type);
    }
  }

  @Test
  void masksBesideATextModelAreRefused() {
    JobConfigException e =
        refused(
            job(dir.resolve("none"), "sequence.pt", "cfg")
                .remove("model.inputs")
                .set("model.text", "{column: visits}"));
    assertTrue(e.getMessage().contains("model.masks"), e.getMessage());
  }

  @Test
  void aSequenceForATreeModelIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path input = dir.resolve("tree-input");
    write(rows(), input);
    for (String file : new String[] {"model.json", "model.txt"}) {
      Path model = dir.resolve(file);
      Files.writeString(model, "{}");
      JobYaml yaml =
          job(input, "sequence.pt", "tree-" + file)
              .set("model.path", model.toString())
              .remove("model.outputs");
      Exception e = assertThrows(RuntimeException.class, () -> score(yaml));
      assertTrue(
          e.getMessage().contains("named inputs are for ONNX and"), file + ": " + e.getMessage());
      assertFalse(Files.exists(dir.resolve("tree-" + file)), "nothing written");
    }
  }

  // ---- incremental runs ----

  private static void assertRescores(
      String name,
      UnaryOperator<List<Row>> data,
      UnaryOperator<JobYaml> config,
      List<String> expected)
      throws IOException {
    Path input = dir.resolve("inc-" + name);
    write(rows(), input);
    JobYaml yaml = job(input, "sequence.pt", "inc-out-" + name).set("output.mode", "incremental");
    score(yaml);
    assertEquals(List.of(), Rescored.shards(score(yaml)), name + ": an unchanged rerun");
    write(data.apply(rows()), input);
    assertEquals(expected, Rescored.shards(score(config.apply(yaml))), name);
  }

  private static List<Row> withVisits(List<Row> rows, long id, Object[] visits) {
    List<Row> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(r.getLong(0) == id ? RowFactory.create(r.get(0), r.get(1), r.get(2), visits) : r);
    }
    return out;
  }

  @Test
  void anEmptyArrayBecomingNullRescoresItsShard() throws IOException {
    // customer 6 has 0 visits
    assertRescores("empty-null", rows -> withVisits(rows, 6, null), y -> y, List.of("0-19"));
  }

  @Test
  void aTrailingZeroMoreRescoresItsShard() throws IOException {
    // customer 24 has 0 visits
    assertRescores(
        "trailing-zero",
        rows -> withVisits(rows, 24, new Object[] {0.0}),
        y -> y,
        List.of("20-39"));
  }

  private static final List<String> ALL = List.of("0-19", "20-39", "unmatched", "null-key");

  @Test
  void anotherMaskTypeRescoresEveryShard() throws IOException {
    assertRescores(
        "mask-type", rows -> rows, y -> y.set("model.input-types", "{events_mask: int32}"), ALL);
  }

  @Test
  void anotherMaskNameRescoresEveryShard() throws IOException {
    // TorchScript takes its inputs by position: another name loads and scores.
    assertRescores("mask-name", rows -> rows, y -> y.set("model.masks", "{events: the_mask}"), ALL);
  }

  // ---- scoring ----

  @Test
  void theQueuePathScoresAsEachTaskAloneByKey() throws IOException {
    Path input = dir.resolve("queue-input");
    write(rows(), input);
    Map<Long, List<Float>> perTask =
        probabilities(
            score(
                job(input, "sequence.onnx", "per-task")
                    .set("model.outputs", "{from: probabilities}")));
    Map<Long, List<Float>> queue =
        probabilities(
            score(
                job(input, "sequence.onnx", "queue")
                    .set("model.outputs", "{from: probabilities}")
                    .set("scoring.batching", "queue")
                    .set("scoring.queue-max-rows", 64)
                    .set("scoring.queue-max-wait-ms", 5)));
    assertEquals(40, perTask.size());
    assertEquals(perTask.keySet(), queue.keySet());
    for (Map.Entry<Long, List<Float>> e : perTask.entrySet()) {
      for (int k = 0; k < 2; k++) {
        assertEquals(
            e.getValue().get(k), queue.get(e.getKey()).get(k), 1e-6, "customer " + e.getKey());
      }
    }
  }

  @Test
  void anIntegerSequenceRefusesFractionsAndValuesAbove2To24AsErrorRows() throws IOException {
    Path input = dir.resolve("int-input");
    List<Row> rows = rows();
    rows = withVisits(rows, 1, new Object[] {1.5});
    rows = withVisits(rows, 2, new Object[] {2.0, 16777217.0});
    rows = withVisits(rows, 3, new Object[] {-3.0, 16777216.0});
    write(rows, input);
    ScoreResult r =
        score(job(input, "sequence.pt", "int-out").set("model.input-types", "{events: int64}"));
    Map<Long, String> reasons = new HashMap<>();
    for (Row row : r.errors().select("customer_id", "error_reason").collectAsList()) {
      reasons.put(row.getLong(0), row.getString(1));
    }
    assertEquals(2, reasons.size(), reasons.toString());
    assertTrue(reasons.get(1L).contains("element 0"), reasons.get(1L));
    assertTrue(reasons.get(2L).contains("element 1"), reasons.get(2L));
    assertEquals(38, probabilities(r).size(), "the others scored, 2^24 included");
  }

  @Test
  void aModelOfOutputsAsWideAsTheSequenceIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path types = PythonModels.sequenceTypes(dir.resolve("types"));
    Path input = dir.resolve("steps-input");
    write(rows(), input);
    JobYaml yaml =
        job(input, "sequence.pt", "steps-out")
            .set("model.path", types.resolve("sequence_steps.pt").toString())
            .set("model.inputs", "{events: ['visits[..12]']}")
            .set("model.outputs", "{from: '1', tensors: {'0': steps}}");
    io.shardscore.model.ModelLoadException e =
        assertThrows(io.shardscore.model.ModelLoadException.class, () -> score(yaml));
    assertTrue(e.getMessage().contains("output '0'"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("steps-out")), "nothing written");
  }

  private static java.net.http.HttpResponse<String> post(
      io.shardscore.serving.ScoringServer server, String body) throws Exception {
    return java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1)
        .build()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/score"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void serveRefusesASequenceSentAsAnythingButAFlatArrayAndChecksItsValues() throws Exception {
    JobYaml yaml =
        job(dir.resolve("none"), "sequence.pt", "serve")
            .set("model.input-types", "{events_mask: int64, events: int64}");
    io.shardscore.serving.ScoringServer server =
        io.shardscore.job.serve.OnlineScoring.start(
            yaml.parse("serve"),
            io.shardscore.serving.ServerSettings.onPort(0),
            io.shardscore.job.serve.OnlineScoring.Batching.QUEUE);
    try {
      for (String bad : new String[] {"3", "\"1,2\"", "{\"a\": 1}", "[[1, 2]]", "[true]"}) {
        var reply = post(server, "{\"rows\": [{\"d0\": 0, \"d1\": 0, \"visits\": " + bad + "}]}");
        assertEquals(400, reply.statusCode(), bad + ": " + reply.body());
        assertTrue(reply.body().contains("visits"), bad + ": " + reply.body());
      }
      var reply =
          post(
              server,
              "{\"rows\": [{\"d0\": 0, \"d1\": 0, \"visits\": []},"
                  + " {\"d0\": 0, \"d1\": 0, \"visits\": [1, 16777217]},"
                  + " {\"d0\": 0, \"d1\": 0, \"visits\": [1, 2.5]},"
                  + " {\"d0\": 0, \"d1\": 0, \"visits\": [1, \"16777216\"]},"
                  + " {\"d0\": 0, \"d1\": 0, \"visits\": [1,1,1,1,1,1,1,1,1,1,1,1,1]}]}");
      assertEquals(200, reply.statusCode(), reply.body());
      com.fasterxml.jackson.databind.JsonNode results =
          io.shardscore.job.serve.ServeRequests.JSON.readTree(reply.body()).get("results");
      assertTrue(results.get(0).has("probabilities"), results.toString());
      assertTrue(
          results.get(1).path("error").asText().contains("element 1 value 1.6777217E7"),
          results.toString());
      assertTrue(results.get(2).path("error").asText().contains("element 1"), results.toString());
      assertTrue(results.get(3).has("probabilities"), results.toString());
      assertEquals(
          "feature 'visits' has 13 elements, more than its maximum length 12",
          results.get(4).path("error").asText());
    } finally {
      server.stop();
    }
  }

  // ---- executor warm-up from a job file ----

  /** What an executor's plugin sees: {@code conf}, no GPUs, a driver that takes every report. */
  private static org.apache.spark.api.plugin.PluginContext executor(
      org.apache.spark.SparkConf conf) {
    return new org.apache.spark.api.plugin.PluginContext() {
      final com.codahale.metrics.MetricRegistry metrics = new com.codahale.metrics.MetricRegistry();

      @Override
      public com.codahale.metrics.MetricRegistry metricRegistry() {
        return metrics;
      }

      @Override
      public org.apache.spark.SparkConf conf() {
        return conf;
      }

      @Override
      public String executorID() {
        return "review-1";
      }

      @Override
      public String hostname() {
        return "localhost";
      }

      @Override
      public Map<String, org.apache.spark.resource.ResourceInformation> resources() {
        return Map.of();
      }

      @Override
      public void send(Object message) {}

      @Override
      public Object ask(Object message) {
        return Boolean.TRUE;
      }
    };
  }

  /** Runs the executor plugin's start with {@code conf}; the loads it made. */
  private static int warm(org.apache.spark.SparkConf conf) {
    int before = io.shardscore.model.ModelRegistry.loadCount();
    try {
      new io.shardscore.job.plugin.ShardscorePlugin()
          .executorPlugin()
          .init(executor(conf), Map.of());
    } finally {
      // The plugin installed its metrics as this JVM's: hand them back.
      io.shardscore.job.metrics.ScoringMetrics.install(
              new com.codahale.metrics.MetricRegistry(), t -> {})
          .uninstall();
    }
    return io.shardscore.model.ModelRegistry.loadCount() - before;
  }

  @Test
  void theWarmUpFromAJobFileLoadsTheRunsRegistryEntrySoTheRunLoadsNothing() throws IOException {
    Path input = dir.resolve("warm-input");
    write(rows(), input);
    // Names no other test loads (TorchScript takes its inputs by position): a registry entry of
    // its own, so the load counts are this test's.
    JobYaml yaml =
        job(input, "sequence.pt", "warm-out")
            .set("model.inputs", "{warm_dense: [d0, d1], warm_events: ['visits[..12]']}")
            .set("model.masks", "{warm_events: warm_mask}")
            .set("model.input-types", "{warm_mask: int32}");
    Path file = yaml.write(dir.resolve("warm-job.yaml"));
    assertEquals(
        1,
        warm(
            new org.apache.spark.SparkConf(false)
                .set(io.shardscore.job.plugin.ShardscorePlugin.WARMUP_JOB, file.toString())),
        "the warm-up loads the model");
    int before = io.shardscore.model.ModelRegistry.loadCount();
    ScoreResult r = score(yaml);
    assertEquals(40, probabilities(r).size());
    assertEquals(before, io.shardscore.model.ModelRegistry.loadCount(), "the run found it loaded");
  }

  @Test
  void aWarmUpThatCannotLoadOnlyLogsAndLoadsNothing() throws IOException {
    Path bad =
        job(dir.resolve("none"), "sequence.pt", "bad")
            .set("model.masks", "{nowhere: m}")
            .write(dir.resolve("bad-job.yaml"));
    Path gpu =
        job(dir.resolve("none"), "sequence.pt", "gpu")
            .set("scoring.device", "gpu")
            .write(dir.resolve("gpu-job.yaml"));
    Path folder = Files.createDirectories(dir.resolve("one-model-folder"));
    Files.copy(models.resolve("sequence.pt"), folder.resolve("sequence.pt"));
    for (org.apache.spark.SparkConf conf :
        List.of(
            // A folder through warmup.model: refused, naming warmup.job.
            new org.apache.spark.SparkConf(false)
                .set(io.shardscore.job.plugin.ShardscorePlugin.WARMUP_MODEL, folder.toString())
                .set(io.shardscore.job.plugin.ShardscorePlugin.WARMUP_FEATURES, "15"),
            new org.apache.spark.SparkConf(false)
                .set(io.shardscore.job.plugin.ShardscorePlugin.WARMUP_JOB, bad.toString()),
            new org.apache.spark.SparkConf(false)
                .set(io.shardscore.job.plugin.ShardscorePlugin.WARMUP_JOB, gpu.toString()),
            new org.apache.spark.SparkConf(false)
                .set(
                    io.shardscore.job.plugin.ShardscorePlugin.WARMUP_JOB,
                    dir.resolve("missing.yaml").toString()),
            new org.apache.spark.SparkConf(false)
                .set(io.shardscore.job.plugin.ShardscorePlugin.WARMUP_MODEL, models.toString())
                .set(io.shardscore.job.plugin.ShardscorePlugin.WARMUP_FEATURES, "15"))) {
      assertEquals(0, warm(conf), conf.toDebugString());
    }
  }
}

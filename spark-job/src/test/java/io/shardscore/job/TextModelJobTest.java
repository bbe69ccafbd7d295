package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelFiles;
import io.shardscore.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded job over text models (a review column through the HuggingFace tokenizer beside the
 * model) against the probabilities PyTorch computed for the same texts, joined by key (tolerance
 * 1e-5), for TorchScript and ONNX. The models, the tokenizer and the oracle are written by
 * model-adapters' {@code make_text_model.py} with Debian's python3-torch.
 */
class TextModelJobTest {
  private static final long NULL_TEXT = 999L;
  private static final String TEXT = "{column: review, max-length: 8, attention-mask: true}";

  @TempDir static Path dir;
  static Path models;
  static Path input;
  static Map<Long, double[]> torch = new HashMap<>();
  static Map<Long, String> texts = new HashMap<>();

  @BeforeAll
  static void makeModelsAndInput() throws IOException, InterruptedException {
    models = PythonModels.text(dir.resolve("text"));
    List<Row> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(models.resolve("texts.csv"));
    for (String line : lines.subList(1, lines.size())) {
      long id = Long.parseLong(line.substring(0, line.indexOf(',')));
      String text = line.substring(line.indexOf(',') + 1).replace("\"", "");
      texts.put(customer(id), text);
      rows.add(RowFactory.create(customer(id), text));
    }
    rows.add(RowFactory.create(NULL_TEXT, null)); // unscorable: an error row
    List<String> expected = Files.readAllLines(models.resolve("expected.csv"));
    for (String line : expected.subList(1, expected.size())) {
      String[] f = line.split(",");
      torch.put(
          customer(Long.parseLong(f[0])),
          new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3])});
    }
    StructType schema =
        new StructType(
            new StructField[] {
              DataTypes.createStructField("customer_id", DataTypes.LongType, false),
              DataTypes.createStructField("review", DataTypes.StringType, true)
            });
    input = dir.resolve("input");
    SparkTestSession.get()
        .createDataFrame(rows, schema)
        .repartition(2)
        .write()
        .parquet(input.toString());
  }

  /** Spreads the script's ids over three shards. */
  private static long customer(long id) {
    return id * 10;
  }

  private static JobYaml job(Path model, String output, String text) {
    return JobYaml.demo(input, model, dir.resolve(output))
        .remove("model.features")
        .set("model.text", text)
        .set("sharding.ranges", JobYaml.quoted("0-199,200-399,400-999"))
        .set("scoring.batch-size", 16)
        .set("scoring.max-error-fraction", 0.5);
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "text job"))
        .execute();
  }

  private static void assertEqualsPyTorch(ScoreResult result) {
    Map<Long, Row> got = new HashMap<>();
    for (Row r : result.dataset().select("customer_id", "probabilities", "label").collectAsList()) {
      got.put(r.getLong(0), r);
    }
    assertEquals(torch.keySet(), got.keySet(), "every scorable text scored once");
    Set<Float> distinct = new HashSet<>();
    for (Map.Entry<Long, Row> e : got.entrySet()) {
      double[] expected = torch.get(e.getKey());
      List<Float> p = e.getValue().getList(1);
      assertEquals(2, p.size());
      assertEquals(expected[0], p.get(0), 1e-5, "customer " + e.getKey());
      assertEquals(expected[1], p.get(1), 1e-5, "customer " + e.getKey());
      assertEquals(expected[1] > expected[0] ? 1 : 0, e.getValue().getInt(2), "label");
      distinct.add(p.get(0));
    }
    assertTrue(distinct.size() > 40, "predictions vary: " + distinct.size());
    assertEquals(1, result.rowsRejected(), "the null text is an error row");
    Row error = result.errors().select("customer_id", "error_reason").first();
    assertEquals(NULL_TEXT, error.getLong(0));
    assertEquals("text 'review' is null", error.getString(1));
  }

  @Test
  void aTorchScriptTextJobEqualsPyTorchAndItsDigestCoversTheTokenizer() throws IOException {
    Path model = models.resolve("text_mask.pt");
    ScoreResult result = score(job(model, "torch", TEXT));
    assertEqualsPyTorch(result);
    Manifest manifest = Shardscore.manifest(SparkTestSession.get(), result.output()).orElseThrow();
    assertEquals("PyTorch", manifest.model().engine());
    String withTokenizer =
        ModelDigest.of(ModelEngine.PYTORCH, ModelFiles.local(model), List.of("tokenizer.json"));
    assertEquals(withTokenizer, manifest.model().digest());
    assertNotEquals(ModelDigest.of(model, ModelEngine.PYTORCH), withTokenizer);
  }

  /**
   * ONNX, whose probabilities do not depend on the batch a row is in: bit-identical. (TorchScript's
   * differ in the last bits between a batch of 16 and one of 63 rows: 4 ULP seen.)
   */
  @Test
  void serveAnswersAsTheRunWritesWithTheSameReasons() throws Exception {
    JobYaml yaml =
        job(
            models.resolve("text_mask.onnx"),
            "serve-run",
            "{column: review, max-length: 8, attention-mask: true, truncation: false}");
    ScoreResult r = score(yaml);
    Map<Long, List<Float>> batch = new HashMap<>();
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      batch.put(row.getLong(0), row.getList(1));
    }
    Map<Long, String> reasons = new HashMap<>();
    for (Row row : r.errors().select("customer_id", "error_reason").collectAsList()) {
      reasons.put(row.getLong(0), row.getString(1));
    }
    assertTrue(reasons.size() > 5, "long texts and the null one are errors: " + reasons.size());
    List<Long> keys = new ArrayList<>(texts.keySet());
    keys.add(NULL_TEXT);
    com.fasterxml.jackson.databind.ObjectMapper json = io.shardscore.job.serve.ServeRequests.JSON;
    com.fasterxml.jackson.databind.node.ObjectNode body = json.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode requestRows = body.putArray("rows");
    for (long key : keys) {
      requestRows.addObject().put("review", texts.get(key)); // null for NULL_TEXT
    }
    io.shardscore.serving.ScoringServer server =
        io.shardscore.job.serve.OnlineScoring.start(
            yaml.parse("serve"),
            io.shardscore.serving.ServerSettings.onPort(0),
            io.shardscore.job.serve.OnlineScoring.Batching.PER_REQUEST);
    try {
      com.fasterxml.jackson.databind.JsonNode results =
          io.shardscore.job.serve.ServeRequests.score(server, body).get("results");
      for (int k = 0; k < keys.size(); k++) {
        long key = keys.get(k);
        com.fasterxml.jackson.databind.JsonNode online = results.get(k);
        if (reasons.containsKey(key)) {
          assertEquals(reasons.get(key), online.get("error").asText(), "customer " + key);
          continue;
        }
        List<Float> p = batch.get(key);
        io.shardscore.job.serve.ServeRequests.assertSameFloats(
            p, online.get("probabilities"), "customer " + key);
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void anOnnxTextJobEqualsPyTorch() {
    assertEqualsPyTorch(score(job(models.resolve("text_mask.onnx"), "onnx", TEXT)));
  }

  @Test
  void aModelOfIdsAloneEqualsPyTorchToo() {
    assertEqualsPyTorch(
        score(job(models.resolve("text_ids.pt"), "ids", "{column: review, max-length: 8}")));
  }

  @Test
  void withoutTruncationLongTextsGoToErrorsWithTheirLength() {
    ScoreResult result =
        score(
            job(
                models.resolve("text_ids.pt"),
                "strict",
                "{column: review, max-length: 8, truncation: false}"));
    Set<Long> tooLong = new HashSet<>();
    Pattern word = Pattern.compile("\\w+|[^\\w\\s]+");
    for (Map.Entry<Long, String> e : texts.entrySet()) {
      Matcher m = word.matcher(e.getValue());
      int tokens = 1; // [CLS]
      while (m.find()) {
        tokens++;
      }
      if (tokens > 8) {
        tooLong.add(e.getKey());
      }
    }
    assertTrue(tooLong.size() > 5, "the script writes long texts: " + tooLong.size());
    Set<Long> rejected = new HashSet<>();
    for (Row r : result.errors().select("customer_id", "error_reason").collectAsList()) {
      rejected.add(r.getLong(0));
      if (r.getLong(0) != NULL_TEXT) {
        assertTrue(
            r.getString(1)
                .matches(
                    "column 'review': text has \\d+ tokens, more than model.text.max-length 8 .*"),
            r.getString(1));
      }
    }
    tooLong.add(NULL_TEXT);
    assertEquals(tooLong, rejected, "exactly the long texts and the null one");
    assertEquals(texts.size() + 1 - tooLong.size(), result.rowsScored());
  }

  @Test
  void aChangedTokenizerRescoresEveryShardAndTheSameOneNone() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("changing"));
    Path model = Files.copy(models.resolve("text_ids.pt"), folder.resolve("model.pt"));
    Path tokenizer = Files.copy(models.resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
    JobYaml yaml =
        job(model, "incremental", "{column: review, max-length: 8}")
            .set("output.mode", "incremental");
    score(yaml);
    assertEquals(List.of(), Rescored.shards(score(yaml)), "nothing changed: no shard is scored");
    // "plot" and "good" trade ids: the same model reads other words.
    Files.writeString(
        tokenizer,
        Files.readString(tokenizer)
            .replace("\"plot\": 6", "\"plot\": 3")
            .replace("\"good\": 3", "\"good\": 6"));
    ScoreResult changed = score(yaml);
    assertEquals(
        List.of("0-199", "200-399", "400-999", "unmatched", "null-key"),
        Rescored.shards(changed),
        "a new vocabulary is a new model: every shard is scored again");
  }

  @Test
  void aChangeOfOnlyTruncationOrMaxLengthRescoresEveryShard() throws IOException {
    JobYaml yaml =
        job(models.resolve("text_ids.pt"), "settings", "{column: review, max-length: 8}")
            .set("output.mode", "incremental");
    score(yaml);
    assertEquals(List.of(), Rescored.shards(score(yaml)), "nothing changed: no shard is scored");
    yaml.set("model.text", "{column: review, max-length: 8, truncation: false}");
    assertEquals(
        List.of("0-199", "200-399", "400-999", "unmatched", "null-key"),
        Rescored.shards(score(yaml)),
        "long texts now go to _errors: every shard is scored again");
    assertEquals(List.of(), Rescored.shards(score(yaml)));
    yaml.set("model.text", "{column: review, max-length: 16}");
    assertEquals(
        List.of("0-199", "200-399", "400-999", "unmatched", "null-key"),
        Rescored.shards(score(yaml)),
        "other ids per row: every shard is scored again");
  }

  @Test
  void aMissingTokenizerFailsBeforeAnyTaskAndWritesNothing() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("bare"));
    Path model = Files.copy(models.resolve("text_ids.pt"), folder.resolve("model.pt"));
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () -> score(job(model, "no-tokenizer", "{column: review, max-length: 8}")));
    assertTrue(e.getMessage().contains("needs 'tokenizer.json' beside it"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("no-tokenizer")), "nothing written");
  }

  @Test
  void aModelThatTakesAMaskIsRefusedWithoutOneBeforeAnyTask() {
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    job(
                        models.resolve("text_mask.pt"),
                        "no-mask",
                        "{column: review, max-length: 8}")));
    assertTrue(
        e.getMessage().contains("missing value for argument 'attention_mask'"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("no-mask")), "nothing written");
  }

  @Test
  void textSettingsThatCannotWorkAreRefusedByValidation() {
    JobYaml both =
        job(models.resolve("text_ids.pt"), "both", TEXT)
            .set("model.features", JobYaml.flow(List.of("review")));
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () -> JobConfigValidator.validate(JobConfigReader.parse(both.text(), "text job")));
    assertTrue(
        e.getMessage()
            .contains("a text model takes numeric columns as named inputs after its text"),
        e.getMessage());
    JobYaml noColumn = job(models.resolve("text_ids.pt"), "no-column", "{max-length: 8}");
    e =
        assertThrows(
            JobConfigException.class,
            () -> JobConfigValidator.validate(JobConfigReader.parse(noColumn.text(), "text job")));
    assertTrue(e.getMessage().contains("without model.text.column"), e.getMessage());
    JobYaml notText = job(models.resolve("text_ids.pt"), "not-text", "{column: customer_id}");
    JobConfigException bind = assertThrows(JobConfigException.class, () -> score(notText));
    assertTrue(
        bind.getMessage().contains("model.text.column 'customer_id' is bigint"), bind.getMessage());
    assertFalse(Files.exists(dir.resolve("not-text")), "nothing written");
  }

  @Test
  void paddingToTheLongestRowFeedsEachBatchItsLongestAndEqualsPyTorch() throws IOException {
    // The script's texts again, and those of at most 3 tokens once more in a shard of their own.
    Map<Long, Integer> tokens = new HashMap<>();
    Map<Long, double[]> expected = new HashMap<>();
    List<Row> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(models.resolve("expected.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      long id = Long.parseLong(f[0]);
      int n = f[1].isBlank() ? 0 : f[1].trim().split(" ").length;
      double[] p = {Double.parseDouble(f[2]), Double.parseDouble(f[3])};
      List<Long> keys = new ArrayList<>(List.of(id));
      if (n <= 3) {
        keys.add(5000 + id);
      }
      for (long key : keys) {
        rows.add(RowFactory.create(key, texts.get(customer(id))));
        tokens.put(key, n);
        expected.put(key, p);
      }
    }
    Path short_ = dir.resolve("short-input");
    SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.LongType, false)
                .add("review", DataTypes.StringType))
        .write()
        .parquet(short_.toString());
    for (String model : List.of("text_length.onnx", "text_length.pt")) {
      JobYaml yaml =
          job(
                  models.resolve(model),
                  "longest-" + model,
                  "{column: review, max-length: 8, attention-mask: true, padding: longest}")
              .set("input.path", short_.toString())
              .set("sharding.ranges", JobYaml.quoted("0-999,5000-5999"))
              .set(
                  "model.outputs",
                  model.endsWith(".onnx")
                      ? "{from: probabilities, tensors: {seen_length: seen_length}}"
                      : "{from: '0', tensors: {'1': seen_length}}");
      ScoreResult r = score(yaml);
      Map<Long, Integer> longestByShard = new java.util.TreeMap<>();
      int compared = 0;
      for (Row row :
          r.dataset().select("customer_id", "probabilities", "seen_length").collectAsList()) {
        long key = row.getLong(0);
        List<Float> p = row.getList(1);
        assertEquals(expected.get(key)[0], p.get(0), 1e-5, model + " customer " + key);
        assertEquals(expected.get(key)[1], p.get(1), 1e-5, model + " customer " + key);
        int seen = Math.round(row.<Float>getList(2).get(0));
        assertTrue(
            seen >= tokens.get(key) && seen <= 8,
            model + ": " + tokens.get(key) + " tokens fed as " + seen);
        longestByShard.merge(key / 5000, seen, Math::max);
        compared++;
      }
      assertEquals(rows.size(), compared, model);
      assertEquals(8, longestByShard.get(0L), model + " " + longestByShard);
      assertTrue(longestByShard.get(1L) <= 3, model + " short shard: " + longestByShard);
    }
  }

  @Test
  void paddingToTheLongestRowIsRefusedForAModelOfFixedLengthAndForAnUnknownValue() {
    ModelLoadException fixed =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    job(
                        models.resolve("text_mask.onnx"),
                        "longest-fixed",
                        "{column: review, max-length: 8, attention-mask: true, padding: longest}")));
    assertTrue(
        fixed.getMessage().contains("model.text.padding is longest")
            && fixed.getMessage().contains("dynamic length"),
        fixed.getMessage());
    assertFalse(Files.exists(dir.resolve("longest-fixed")), "nothing written");
    JobConfigException unknown =
        assertThrows(
            JobConfigException.class,
            () ->
                JobConfigValidator.validate(
                    job(
                            models.resolve("text_mask.pt"),
                            "longer",
                            "{column: review, max-length: 8, padding: longer}")
                        .parse("longer")));
    assertTrue(
        unknown.getMessage().contains("model.text.padding is 'longer'; use max-length or longest"),
        unknown.getMessage());
  }

  /** The script's texts with their two numeric features; customer 999 has a null feature. */
  private static Path textAndDenseInput(Map<Long, double[]> expected) throws IOException {
    Path data = dir.resolve("text-dense-input");
    if (Files.exists(data)) {
      return data;
    }
    List<Row> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(models.resolve("expected_dense.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      long id = customer(Long.parseLong(f[0]));
      rows.add(
          RowFactory.create(id, texts.get(id), Double.parseDouble(f[1]), Double.parseDouble(f[2])));
      expected.put(id, new double[] {Double.parseDouble(f[3]), Double.parseDouble(f[4])});
    }
    rows.add(RowFactory.create(NULL_TEXT, "good movie", 0.5, null));
    SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.LongType, false)
                .add("review", DataTypes.StringType)
                .add("d0", DataTypes.DoubleType)
                .add("d1", DataTypes.DoubleType))
        .write()
        .parquet(data.toString());
    return data;
  }

  private static JobYaml textAndDense(String model, String output, Path data) {
    return job(models.resolve(model), output, TEXT)
        .set("input.path", data.toString())
        .set("model.inputs", "{dense: [d0, d1]}");
  }

  @Test
  void aTextBesideNumericFeaturesEqualsPyTorchByKeyOnlineToo() throws Exception {
    Map<Long, double[]> expected = new HashMap<>();
    Path data = textAndDenseInput(expected);
    for (String model : List.of("text_dense.onnx", "text_dense.pt")) {
      ScoreResult r = score(textAndDense(model, "text-dense-" + model, data));
      Map<Long, List<Float>> got = new HashMap<>();
      for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
        got.put(row.getLong(0), row.getList(1));
      }
      assertEquals(expected.keySet(), got.keySet(), model + ": every scorable row once");
      Set<Float> distinct = new HashSet<>();
      for (Map.Entry<Long, List<Float>> e : got.entrySet()) {
        assertEquals(expected.get(e.getKey())[0], e.getValue().get(0), 1e-5, model + " " + e);
        assertEquals(expected.get(e.getKey())[1], e.getValue().get(1), 1e-5, model + " " + e);
        distinct.add(e.getValue().get(0));
      }
      assertTrue(distinct.size() > 50, "predictions vary: " + distinct.size());
      Row error = r.errors().select("customer_id", "error_reason").first();
      assertEquals(NULL_TEXT, error.getLong(0));
      assertEquals("feature 'd1' is null", error.getString(1));
    }
    // The features count: without them the text alone gives other probabilities.
    long off = 0;
    for (Map.Entry<Long, double[]> e : expected.entrySet()) {
      off += Math.abs(e.getValue()[1] - torch.get(e.getKey())[1]) > 1e-3 ? 1 : 0;
    }
    assertTrue(off > expected.size() / 2, "the numeric features move most rows: " + off);

    // Online: the same rows, the same probabilities, bit for bit.
    JobYaml yaml = textAndDense("text_dense.onnx", "text-dense-serve", data);
    Map<Long, List<Float>> batch = new HashMap<>();
    for (Row row : score(yaml).dataset().select("customer_id", "probabilities").collectAsList()) {
      batch.put(row.getLong(0), row.getList(1));
    }
    List<Row> rows = SparkTestSession.get().read().parquet(data.toString()).collectAsList();
    com.fasterxml.jackson.databind.node.ObjectNode body =
        io.shardscore.job.serve.ServeRequests.JSON.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode requestRows = body.putArray("rows");
    for (Row row : rows) {
      com.fasterxml.jackson.databind.node.ObjectNode o = requestRows.addObject();
      o.put("review", row.getString(1));
      if (row.isNullAt(3)) {
        o.put("d0", row.getDouble(2)).putNull("d1");
      } else {
        o.put("d0", row.getDouble(2)).put("d1", row.getDouble(3));
      }
    }
    io.shardscore.serving.ScoringServer server =
        io.shardscore.job.serve.OnlineScoring.start(
            yaml.parse("serve"),
            io.shardscore.serving.ServerSettings.onPort(0),
            io.shardscore.job.serve.OnlineScoring.Batching.QUEUE);
    try {
      com.fasterxml.jackson.databind.JsonNode results =
          io.shardscore.job.serve.ServeRequests.score(server, body).get("results");
      for (int k = 0; k < rows.size(); k++) {
        long key = rows.get(k).getLong(0);
        if (key == NULL_TEXT) {
          assertEquals("feature 'd1' is null", results.get(k).get("error").asText());
          continue;
        }
        io.shardscore.job.serve.ServeRequests.assertSameFloats(
            batch.get(key), results.get(k).get("probabilities"), "customer " + key);
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void namedInputsTheTextModelDoesNotTakeFailBeforeAnyTaskNamingBothLists() throws IOException {
    Path data = textAndDenseInput(new HashMap<>());
    ModelLoadException named =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    textAndDense("text_dense.onnx", "text-dense-misnamed", data)
                        .set("model.inputs", "{numbers: [d0, d1]}")));
    assertTrue(
        named.getMessage().contains("takes the inputs [dense]")
            && named.getMessage().contains("model.inputs gives [numbers]"),
        named.getMessage());
    ModelLoadException missing =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    textAndDense("text_dense.onnx", "text-dense-missing", data)
                        .remove("model.inputs")));
    assertTrue(
        missing.getMessage().contains("[input_ids, attention_mask, dense]"), missing.getMessage());
    assertFalse(Files.exists(dir.resolve("text-dense-misnamed")), "nothing written");
    assertFalse(Files.exists(dir.resolve("text-dense-missing")), "nothing written");
  }
}

package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded job over a model of two named inputs ({@code dense} float32 from four columns, {@code
 * ids} int64 from two), TorchScript and ONNX, against PyTorch's probabilities joined by key
 * (tolerance 1e-5). Written by model-adapters' {@code make_two_inputs.py} with python3-torch.
 */
class NamedInputsJobTest {
  private static final String INPUTS = "{dense: [d0, d1, d2, d3], ids: [region, plan]}";
  private static final long FRACTIONAL_ID = 900L;

  @TempDir static Path dir;
  static Path models;
  static Path input;
  static Map<Long, double[]> torch = new HashMap<>();

  @BeforeAll
  static void data() throws IOException, InterruptedException {
    models = PythonModels.twoInputs(dir.resolve("two"));
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(models.resolve("rows.csv"))) {
      String[] f = line.split(",");
      rows.add(
          RowFactory.create(
              Long.parseLong(f[0]),
              Double.parseDouble(f[1]),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4]),
              Double.parseDouble(f[5]),
              Long.parseLong(f[6])));
    }
    // A region of 2.5 is no id: an error row, never truncated to 2.
    rows.add(RowFactory.create(FRACTIONAL_ID, 0.1, 0.2, 0.3, 0.4, 2.5, 1L));
    for (String line : Files.readAllLines(models.resolve("expected.csv"))) {
      String[] f = line.split(",");
      torch.put(
          Long.parseLong(f[0]),
          new double[] {
            Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])
          });
    }
    input = dir.resolve("input");
    SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.LongType, false)
                .add("d0", DataTypes.DoubleType)
                .add("d1", DataTypes.DoubleType)
                .add("d2", DataTypes.DoubleType)
                .add("d3", DataTypes.DoubleType)
                .add("region", DataTypes.DoubleType)
                .add("plan", DataTypes.LongType))
        .repartition(2)
        .write()
        .parquet(input.toString());
  }

  private static JobYaml job(String model, String output, String inputs) {
    return JobYaml.demo(input, models.resolve(model), dir.resolve(output))
        .remove("model.features")
        .set("model.inputs", inputs)
        .set("model.input-types", "{ids: int64}")
        .set("sharding.ranges", JobYaml.quoted("0-99,100-999"))
        .set("scoring.max-error-fraction", 0.1);
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "inputs"))
        .execute();
  }

  private static void assertEqualsPyTorch(ScoreResult r) {
    Map<Long, List<Float>> got = new HashMap<>();
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      got.put(row.getLong(0), row.getList(1));
    }
    assertEquals(torch.keySet(), got.keySet(), "every scorable row scored once");
    Set<Float> distinct = new HashSet<>();
    for (Map.Entry<Long, List<Float>> e : got.entrySet()) {
      for (int k = 0; k < 3; k++) {
        assertEquals(torch.get(e.getKey())[k], e.getValue().get(k), 1e-5, "customer " + e.getKey());
      }
      distinct.add(e.getValue().get(0));
    }
    assertTrue(distinct.size() > 150, "predictions vary: " + distinct.size());
    Row error = r.errors().select("customer_id", "error_reason").first();
    assertEquals(FRACTIONAL_ID, error.getLong(0));
    assertEquals(
        "feature 'region' value 2.5 is not a whole number up to 2^24 in magnitude, which its"
            + " integer input takes",
        error.getString(1));
    assertEquals(1, r.rowsRejected());
  }

  @Test
  void aTorchScriptModelOfTwoInputsEqualsPyTorchByKey() {
    assertEqualsPyTorch(score(job("two_inputs.pt", "torch", INPUTS)));
  }

  @Test
  void anOnnxModelOfTwoInputsEqualsPyTorchByKey() {
    assertEqualsPyTorch(score(job("two_inputs.onnx", "onnx", INPUTS)));
  }

  @Test
  void serveAnswersAsTheRunWritesWithTheSameReasons() throws Exception {
    JobYaml yaml = job("two_inputs.onnx", "serve-run", INPUTS);
    ScoreResult r = score(yaml);
    Map<Long, List<Float>> batch = new HashMap<>();
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      batch.put(row.getLong(0), row.getList(1));
    }
    String reason = r.errors().select("error_reason").first().getString(0);
    List<Row> rows = SparkTestSession.get().read().parquet(input.toString()).collectAsList();
    com.fasterxml.jackson.databind.ObjectMapper json = io.shardscore.job.serve.ServeRequests.JSON;
    com.fasterxml.jackson.databind.node.ObjectNode body = json.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode requestRows = body.putArray("rows");
    for (Row row : rows) {
      com.fasterxml.jackson.databind.node.ObjectNode o = requestRows.addObject();
      for (String c : List.of("d0", "d1", "d2", "d3", "region")) {
        o.put(c, row.getDouble(row.fieldIndex(c)));
      }
      o.put("plan", row.getLong(row.fieldIndex("plan")));
    }
    io.shardscore.serving.ScoringServer server =
        io.shardscore.job.serve.OnlineScoring.start(
            yaml.parse("serve"),
            io.shardscore.serving.ServerSettings.onPort(0),
            io.shardscore.job.serve.OnlineScoring.Batching.QUEUE);
    try {
      com.fasterxml.jackson.databind.JsonNode results =
          io.shardscore.job.serve.ServeRequests.score(server, body).get("results");
      int compared = 0;
      for (int k = 0; k < rows.size(); k++) {
        long key = rows.get(k).getLong(0);
        com.fasterxml.jackson.databind.JsonNode online = results.get(k);
        if (key == FRACTIONAL_ID) {
          assertEquals(reason, online.get("error").asText(), "the same reason online");
          continue;
        }
        List<Float> p = batch.get(key);
        io.shardscore.job.serve.ServeRequests.assertSameFloats(
            p, online.get("probabilities"), "customer " + key);
        compared++;
      }
      assertEquals(torch.size(), compared);
    } finally {
      server.stop();
    }
  }

  @Test
  void aWrongColumnOrderFailsTheComparison() {
    ScoreResult r =
        score(job("two_inputs.pt", "swapped", "{dense: [d1, d0, d2, d3], ids: [region, plan]}"));
    long off = 0;
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      off += Math.abs(torch.get(row.getLong(0))[0] - row.<Float>getList(1).get(0)) > 1e-5 ? 1 : 0;
    }
    assertTrue(off > torch.size() / 2, "swapped columns change most rows: " + off);
  }

  @Test
  void inputsTheModelDoesNotTakeFailBeforeAnyTaskAndWriteNothing() {
    ModelLoadException order =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    job(
                        "two_inputs.onnx",
                        "order",
                        "{ids: [region, plan], dense: [d0, d1, d2, d3]}")));
    assertTrue(
        order.getMessage().contains("takes the inputs [dense, ids], in this order"),
        order.getMessage());
    assertFalse(Files.exists(dir.resolve("order")), "nothing written");
    ModelLoadException narrow =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    job("two_inputs.pt", "narrow", "{dense: [d0, d1, d2], ids: [region, plan]}")));
    assertTrue(narrow.getMessage().contains("dense float32[3], ids int64[2]"), narrow.getMessage());
    assertFalse(Files.exists(dir.resolve("narrow")), "nothing written");
  }

  @Test
  void inputSettingsThatCannotWorkAreRefusedByValidation() {
    JobYaml f16 = job("two_inputs.pt", "f16", INPUTS).set("model.input-types", "{ids: float16}");
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () -> JobConfigValidator.validate(JobConfigReader.parse(f16.text(), "inputs")));
    assertTrue(
        e.getMessage().contains("'float16'; use float32, float64, int32 or int64"), e.getMessage());
    JobYaml stray = job("two_inputs.pt", "stray", INPUTS).set("model.input-types", "{idz: int64}");
    e =
        assertThrows(
            JobConfigException.class,
            () -> JobConfigValidator.validate(JobConfigReader.parse(stray.text(), "inputs")));
    assertTrue(e.getMessage().contains("model.input-types names 'idz'"), e.getMessage());
    JobYaml both =
        job("two_inputs.pt", "both", INPUTS).set("model.features", JobYaml.flow(List.of("d0")));
    e =
        assertThrows(
            JobConfigException.class,
            () -> JobConfigValidator.validate(JobConfigReader.parse(both.text(), "inputs")));
    assertTrue(e.getMessage().contains("sets both features and inputs"), e.getMessage());
  }
}

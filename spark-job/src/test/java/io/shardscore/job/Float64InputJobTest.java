package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.serve.OnlineScoring;
import io.shardscore.job.serve.ServeRequests;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded job over a model with a float64 input ({@code amount}: an amount and a reference near
 * 1e6 that differ by multiples of 1e-7, below float32's resolution there) and a float32 one,
 * TorchScript and ONNX, against PyTorch's values joined by key (tolerance 1e-6). Fed as float32,
 * every difference would be 0. Written by model-adapters' {@code make_float64.py}.
 */
class Float64InputJobTest {
  private static final String INPUTS = "{amount: [amount, reference], dense: [d0]}";
  private static final long HUGE = 900;
  private static final long NOT_A_NUMBER = 901;

  @TempDir static Path dir;
  static Path models;
  static Path input;
  static Map<Long, double[]> torch = new HashMap<>();

  @BeforeAll
  static void data() throws IOException, InterruptedException {
    models = PythonModels.float64(dir.resolve("f64"));
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(models.resolve("rows.csv"))) {
      String[] f = line.split(",");
      rows.add(
          RowFactory.create(
              Long.parseLong(f[0]),
              Double.parseDouble(f[1]),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3])));
    }
    rows.add(RowFactory.create(HUGE, 1e300, 1e6, 0.0));
    rows.add(RowFactory.create(NOT_A_NUMBER, Double.NaN, 1e6, 0.0));
    for (String line : Files.readAllLines(models.resolve("expected.csv"))) {
      String[] f = line.split(",");
      torch.put(
          Long.parseLong(f[0]), new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
    }
    input = dir.resolve("input");
    SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.LongType, false)
                .add("amount", DataTypes.DoubleType)
                .add("reference", DataTypes.DoubleType)
                .add("d0", DataTypes.DoubleType))
        .repartition(2)
        .write()
        .parquet(input.toString());
  }

  private static JobYaml job(String model, String output) {
    return JobYaml.demo(input, models.resolve(model), dir.resolve(output))
        .remove("model.features")
        .set("model.inputs", INPUTS)
        .set("model.input-types", "{amount: float64}")
        .set("sharding.ranges", JobYaml.quoted("0-99,100-999"))
        .set("scoring.max-error-fraction", 0.1);
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "float64"))
        .execute();
  }

  private static void assertEqualsPyTorch(ScoreResult r) {
    Map<Long, List<Float>> got = new HashMap<>();
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      got.put(row.getLong(0), row.getList(1));
    }
    assertEquals(torch.keySet(), got.keySet(), "every scorable row scored once");
    int away = 0;
    for (Map.Entry<Long, List<Float>> e : got.entrySet()) {
      double[] expected = torch.get(e.getKey());
      for (int k = 0; k < 2; k++) {
        assertEquals(expected[k], e.getValue().get(k), 1e-6, "customer " + e.getKey());
      }
      // What float32 amounts would give: a difference of 0, so the sigmoid of dense alone.
      away += Math.abs(expected[1] - e.getValue().get(1)) < 1e-6 ? 0 : 1;
    }
    assertEquals(0, away);
    Map<Long, String> reasons = new TreeMap<>();
    for (Row row : r.errors().select("customer_id", "error_reason").collectAsList()) {
      reasons.put(row.getLong(0), row.getString(1));
    }
    assertEquals(
        Map.of(
            HUGE,
            "feature 'amount' value 1.0E300 is outside the range a float64 input carries (about"
                + " ±3.4e38)",
            NOT_A_NUMBER,
            "feature 'amount' is NaN"),
        reasons);
  }

  @Test
  void anOnnxModelOfAFloat64InputEqualsPyTorchByKey() {
    assertEqualsPyTorch(score(job("float64.onnx", "onnx")));
  }

  @Test
  void aTorchScriptModelOfAFloat64InputEqualsPyTorchByKey() {
    assertEqualsPyTorch(score(job("float64.pt", "torch")));
  }

  @Test
  void theSameRowsAsFloat32WouldLoseTheDifference() {
    // The model's own arithmetic on float32-rounded amounts: most rows move far from PyTorch's.
    int moved = 0;
    for (String line : readLines(models.resolve("rows.csv"))) {
      String[] f = line.split(",");
      double diff = (float) Double.parseDouble(f[1]) - (double) (float) Double.parseDouble(f[2]);
      double p = 1 / (1 + Math.exp(-(diff * 1e6 + Double.parseDouble(f[3]))));
      moved += Math.abs(p - torch.get(Long.parseLong(f[0]))[1]) > 1e-3 ? 1 : 0;
    }
    assertTrue(moved > 150, "float32 amounts change most predictions: " + moved);
  }

  @Test
  void serveAnswersAsTheRunWritesBitForBit() throws Exception {
    JobYaml yaml = job("float64.onnx", "serve-run");
    ScoreResult r = score(yaml);
    Map<Long, List<Float>> batch = new HashMap<>();
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      batch.put(row.getLong(0), row.getList(1));
    }
    List<Row> rows = SparkTestSession.get().read().parquet(input.toString()).collectAsList();
    ObjectNode body = ServeRequests.JSON.createObjectNode();
    ArrayNode requestRows = body.putArray("rows");
    for (Row row : rows) {
      ObjectNode o = requestRows.addObject();
      // Jackson writes a double with the shortest text that parses back to it.
      o.put("amount", row.getDouble(1));
      o.put("reference", row.getDouble(2));
      o.put("d0", row.getDouble(3));
    }
    ScoringServer server =
        OnlineScoring.start(
            yaml.parse("serve"), ServerSettings.onPort(0), OnlineScoring.Batching.QUEUE);
    try {
      JsonNode results = ServeRequests.score(server, body).get("results");
      int compared = 0;
      for (int k = 0; k < rows.size(); k++) {
        long key = rows.get(k).getLong(0);
        if (key == HUGE || key == NOT_A_NUMBER) {
          assertTrue(results.get(k).has("error"), results.get(k).toString());
          continue;
        }
        ServeRequests.assertSameFloats(
            batch.get(key), results.get(k).get("probabilities"), "customer " + key);
        compared++;
      }
      assertEquals(torch.size(), compared);
    } finally {
      server.stop();
    }
  }

  private static List<String> readLines(Path p) {
    try {
      return Files.readAllLines(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

package io.shardscore.job.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.job.JobYaml;
import io.shardscore.job.PythonModels;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.model.lightgbm.LightGbmTrainer;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LightGBM {@code model.txt} (trained here with lightgbmlib, as the tree-engine tests do) and an
 * XGBoost booster in JSON and UBJ (trained by Debian's python3-xgboost, {@code train_xgboost.py})
 * through a batch run on local Spark and through {@code shardscore serve}'s server started from the
 * same job file, compared by key: every score bit-identical, for probabilities and for raw scores
 * (the same engine, the same floats in), rows with a null feature rejected with the same reason.
 */
class TreeServeParityTest {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");
  private static final Set<Long> DEFECTIVE = Set.of(5L, 321L);

  @TempDir Path dir;

  @Test
  void lightGbmOnlineScoresEqualTheBatchRunsBitForBit() throws Exception {
    Path model = train(dir.resolve("lgbm/model.txt"));
    assertParityForBothOutputTypes(model, "lightgbm");
  }

  @Test
  void xgboostOnlineScoresEqualTheBatchRunsBitForBit() throws Exception {
    Path models = PythonModels.xgboost(dir.resolve("xgb"));
    assertParityForBothOutputTypes(models.resolve("model.ubj"), "xgboost-ubj");
    assertParityForBothOutputTypes(models.resolve("model.json"), "xgboost-json");
  }

  private void assertParityForBothOutputTypes(Path model, String name) throws Exception {
    Path input = dir.resolve("input");
    if (!Files.exists(input)) {
      input(input, 1200);
    }
    for (String outputType : List.of("probability", "raw")) {
      JobConfig job =
          JobConfigReader.parse(
              JobYaml.demo(input, model, dir.resolve("out-" + name + "-" + outputType))
                  .set("sharding.ranges", JobYaml.quoted("0-599,600-1199"))
                  .set("model.features", JobYaml.flow(FEATURES))
                  .set("model.output-type", outputType)
                  .text(),
              "tree serve job");
      assertParity(job, input, name + " " + outputType);
    }
  }

  private static void assertParity(JobConfig job, Path input, String outputType) throws Exception {
    SparkSession spark = SparkTestSession.get();
    Shardscore.job(spark, job).execute();
    Map<Long, Float> batch = new HashMap<>();
    for (Row r :
        spark.read().parquet(job.output().path()).select("customer_id", "score").collectAsList()) {
      batch.put(r.getLong(0), r.getFloat(1));
    }
    Map<Long, String> batchErrors = new HashMap<>();
    for (Row r :
        spark
            .read()
            .parquet(job.output().path() + "/_errors")
            .select("customer_id", "error_reason")
            .collectAsList()) {
      batchErrors.put(r.getLong(0), r.getString(1));
    }
    assertEquals(DEFECTIVE, batchErrors.keySet(), outputType);

    List<Row> rows = spark.read().parquet(input.toString()).collectAsList();
    ScoringServer server =
        OnlineScoring.start(job, ServerSettings.onPort(0), OnlineScoring.Batching.QUEUE);
    int compared = 0;
    Set<Integer> distinct = new HashSet<>();
    try {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int from = 0; from < rows.size(); from += 400) {
        List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + 400));
        ObjectNode body = JSON.createObjectNode();
        ArrayNode requestRows = body.putArray("rows");
        for (Row r : chunk) {
          ObjectNode row = requestRows.addObject();
          for (String f : FEATURES) {
            Object v = r.get(r.fieldIndex(f));
            row.set(f, v == null ? JSON.nullNode() : JSON.valueToTree(v));
          }
        }
        HttpResponse<String> reply =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/score"))
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reply.statusCode(), reply.body());
        JsonNode results = JSON.readTree(reply.body()).get("results");
        for (int k = 0; k < chunk.size(); k++) {
          long key = chunk.get(k).getLong(chunk.get(k).fieldIndex("customer_id"));
          JsonNode online = results.get(k);
          if (batchErrors.containsKey(key)) {
            assertEquals(batchErrors.get(key), online.path("error").asText(null), "row " + key);
            continue;
          }
          assertNull(online.get("error"), "row " + key + ": " + online);
          int want = Float.floatToIntBits(batch.get(key));
          assertEquals(
              want,
              Float.floatToIntBits(Float.parseFloat(online.get("score").decimalValue().toString())),
              outputType + " score of row " + key);
          distinct.add(want);
          compared++;
        }
      }
    } finally {
      server.stop();
    }
    assertEquals(batch.size(), compared, "every row the batch run scored was compared");
    assertTrue(distinct.size() > compared / 10, "scores vary: " + distinct.size());
  }

  /** A 40-tree binary LightGBM model on six features, saved as {@code file}. */
  private static Path train(Path file) throws Exception {
    SplittableRandom random = new SplittableRandom(33);
    float[] x = new float[1500 * 6];
    float[] y = new float[1500];
    for (int r = 0; r < 1500; r++) {
      double s = 0;
      for (int c = 0; c < 6; c++) {
        x[r * 6 + c] = (float) (random.nextDouble() * 4 - 2);
        s += (c + 1) * (c % 2 == 0 ? 1 : -1) * x[r * 6 + c];
      }
      y[r] = s + x[r * 6 + 2] * x[r * 6 + 2] > 0.5 ? 1 : 0;
    }
    Files.createDirectories(file.getParent());
    try (LightGbmTrainer booster =
        LightGbmTrainer.train(x, y, 6, "objective=binary num_leaves=15", 40)) {
      booster.save(file);
    }
    return file;
  }

  /** customer_id and f0..f5 (doubles holding floats), a null feature in the rows DEFECTIVE. */
  private static Path input(Path path, int rows) {
    SplittableRandom random = new SplittableRandom(34);
    List<Row> data = new ArrayList<>();
    for (long id = 0; id < rows; id++) {
      Object[] v = new Object[7];
      v[0] = id;
      for (int c = 0; c < 6; c++) {
        v[c + 1] = (double) (float) (random.nextDouble() * 4 - 2);
      }
      if (DEFECTIVE.contains(id)) {
        v[4] = null;
      }
      data.add(RowFactory.create(v));
    }
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("customer_id", DataTypes.LongType, false));
    for (String f : FEATURES) {
      fields.add(DataTypes.createStructField(f, DataTypes.DoubleType, true));
    }
    SparkTestSession.get()
        .createDataFrame(data, new StructType(fields.toArray(StructField[]::new)))
        .repartition(2)
        .write()
        .parquet(path.toString());
    return path;
  }
}

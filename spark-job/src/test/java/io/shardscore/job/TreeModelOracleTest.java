package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.lightgbm.LightGbmTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded jobs over LightGBM and XGBoost models against the engine or framework called directly on
 * the same rows, joined by key: LightGBM against lightgbmlib's own predict on the booster that
 * trained the model (tolerance 1e-6), XGBoost against the predictions Python's xgboost wrote when
 * it trained the model (tolerance 1e-5). The oracles build their feature vectors from the rows
 * Spark reads back, independently of shardscore's code.
 */
class TreeModelOracleTest {
  private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");
  private static final int ROWS = 3000;
  private static final Set<Long> DEFECTIVE = Set.of(17L, 1234L, 2999L);

  @TempDir static Path dir;
  static Path lightGbmInput;
  static Path lightGbmModel;
  static LightGbmTrainer booster;
  static Path xgboostInput;
  static Path xgboostModels;
  static Map<Long, double[]> python = new HashMap<>();

  @BeforeAll
  static void trainAndWriteInputs() throws Exception {
    SplittableRandom random = new SplittableRandom(21);
    float[] x = new float[2000 * 6];
    float[] y = new float[2000];
    for (int r = 0; r < 2000; r++) {
      double s = 0;
      for (int c = 0; c < 6; c++) {
        x[r * 6 + c] = (float) (random.nextDouble() * 4 - 2);
        s += (c + 1) * (c % 2 == 0 ? 1 : -1) * x[r * 6 + c];
      }
      y[r] = s + x[r * 6 + 2] * x[r * 6 + 2] > 0.5 ? 1 : 0;
    }
    booster = LightGbmTrainer.train(x, y, 6, "objective=binary num_leaves=15", 40);
    lightGbmModel = dir.resolve("churn-lgbm/model.txt");
    Files.createDirectories(lightGbmModel.getParent());
    booster.save(lightGbmModel);
    List<Row> rows = new ArrayList<>();
    for (long id = 0; id < ROWS; id++) {
      Object[] v = new Object[7];
      v[0] = id;
      for (int c = 0; c < 6; c++) {
        v[c + 1] = (double) (float) (random.nextDouble() * 4 - 2);
      }
      if (DEFECTIVE.contains(id)) {
        v[3] = null; // an unscorable row: an error row, not a prediction
      }
      rows.add(RowFactory.create(v));
    }
    lightGbmInput = write(rows, "lgbm-input");

    xgboostModels = PythonModels.xgboost(dir.resolve("xgb"));
    List<Row> xgbRows = new ArrayList<>();
    for (String line : Files.readAllLines(xgboostModels.resolve("rows.csv"))) {
      String[] f = line.split(",");
      Object[] v = new Object[7];
      v[0] = Long.parseLong(f[0]);
      for (int c = 0; c < 6; c++) {
        v[c + 1] = (double) Float.parseFloat(f[c + 1]);
      }
      xgbRows.add(RowFactory.create(v));
    }
    xgboostInput = write(xgbRows, "xgb-input");
    for (String line : Files.readAllLines(xgboostModels.resolve("expected.csv"))) {
      String[] f = line.split(",");
      python.put(
          Long.parseLong(f[0]), new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
    }
  }

  @AfterAll
  static void free() {
    booster.close();
  }

  private static Path write(List<Row> rows, String name) {
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("customer_id", DataTypes.LongType, false));
    for (String f : FEATURES) {
      fields.add(DataTypes.createStructField(f, DataTypes.DoubleType, true));
    }
    Path path = dir.resolve(name);
    SparkTestSession.get()
        .createDataFrame(rows, new StructType(fields.toArray(StructField[]::new)))
        .repartition(3)
        .write()
        .parquet(path.toString());
    return path;
  }

  /**
   * Scores {@code input} with {@code model}; {@code engine} and {@code outputType} are written to
   * the job file unless null.
   */
  private static ScoreResult score(
      Path input,
      Path model,
      String output,
      String ranges,
      List<String> features,
      String engine,
      String outputType) {
    JobYaml yaml =
        JobYaml.demo(input, model, dir.resolve(output))
            .set("sharding.ranges", JobYaml.quoted(ranges))
            .set("sharding.max-rows-per-partition", 700)
            .set("model.features", JobYaml.flow(features))
            .set("scoring.batch-size", 128);
    if (engine != null) {
      yaml.set("model.engine", engine);
    }
    if (outputType != null) {
      yaml.set("model.output-type", outputType);
    }
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "tree job"))
        .execute();
  }

  /** customer_id to its six features, in {@code order}, for rows with every feature set. */
  private static Map<Long, float[]> vectors(Path input, List<String> order) {
    Map<Long, float[]> out = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(input.toString()).collectAsList()) {
      float[] v = new float[6];
      boolean ok = true;
      for (int c = 0; c < 6; c++) {
        Object value = r.get(r.fieldIndex(order.get(c)));
        ok &= value != null;
        v[c] = value == null ? 0 : ((Number) value).floatValue();
      }
      if (ok) {
        out.put(r.getLong(r.fieldIndex("customer_id")), v);
      }
    }
    return out;
  }

  /** LightGBM's own predict on the booster that trained the model, per customer. */
  private static Map<Long, Double> lightGbmOracle(List<String> order, boolean raw) {
    Map<Long, float[]> vectors = vectors(lightGbmInput, order);
    List<Long> keys = new ArrayList<>(vectors.keySet());
    float[] x = new float[keys.size() * 6];
    for (int i = 0; i < keys.size(); i++) {
      System.arraycopy(vectors.get(keys.get(i)), 0, x, i * 6, 6);
    }
    double[] y = booster.predict(x, keys.size(), raw);
    Map<Long, Double> out = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      out.put(keys.get(i), y[i]);
    }
    return out;
  }

  private static Map<Long, Float> scores(ScoreResult result) {
    return scores(result.dataset());
  }

  private static Map<Long, Float> scores(Dataset<Row> committed) {
    Map<Long, Float> out = new HashMap<>();
    for (Row r : committed.select("customer_id", "score").collectAsList()) {
      out.put(r.getLong(0), r.getFloat(1));
    }
    return out;
  }

  private static void assertMatches(
      Map<Long, Double> expected, Map<Long, Float> got, double tolerance) {
    assertEquals(expected.keySet(), got.keySet(), "every scorable row scored once");
    Set<Float> distinct = new HashSet<>();
    for (Map.Entry<Long, Float> e : got.entrySet()) {
      assertEquals(expected.get(e.getKey()), e.getValue(), tolerance, "customer " + e.getKey());
      distinct.add(e.getValue());
    }
    assertTrue(distinct.size() > expected.size() / 10, "predictions vary: " + distinct.size());
  }

  @Test
  void lightGbmJobEqualsLightGbmsOwnPredictJoinedByKey() throws IOException {
    // A copy with one more newline at the end: the same trees under a digest of its own, so this
    // JVM has not loaded it yet. No model.engine: model.txt means LightGBM.
    Path model = dir.resolve("churn-lgbm-copy/model.txt");
    Files.createDirectories(model.getParent());
    Files.writeString(model, Files.readString(lightGbmModel) + "\n");
    int loadsBefore = ModelRegistry.loadCount();
    ScoreResult result =
        score(lightGbmInput, model, "lgbm-out", "0-999,1000-1999,2000-2999", FEATURES, null, null);
    assertMatches(lightGbmOracle(FEATURES, false), scores(result), 1e-6);
    assertEquals(DEFECTIVE.size(), result.rowsRejected(), "rows with a null feature are errors");
    assertEquals(DEFECTIVE.size(), result.errors().count());
    Manifest manifest =
        Shardscore.manifest(SparkTestSession.get(), dir.resolve("lgbm-out").toString())
            .orElseThrow();
    assertEquals("LightGBM", manifest.model().engine());
    assertEquals(ModelDigest.of(model, ModelEngine.LIGHTGBM), manifest.model().digest());
    // The driver's check and every task of the (local) executor share one load.
    assertEquals(loadsBefore + 1, ModelRegistry.loadCount(), "one load per JVM and digest");
  }

  @Test
  void lightGbmRawScoresEqualLightGbmsRawPredict() {
    ScoreResult result =
        score(
            lightGbmInput,
            lightGbmModel,
            "lgbm-raw-out",
            "0-1499,1500-2999",
            FEATURES,
            "lightgbm",
            "raw");
    Map<Long, Float> got = scores(result);
    assertMatches(lightGbmOracle(FEATURES, true), got, 1e-5);
    assertTrue(
        got.values().stream().anyMatch(v -> v < 0 || v > 1), "raw scores, not probabilities");
  }

  @Test
  void anIncrementalRunAfterOutputTypeChangesRescoresEveryShard() {
    // Same model file, same input: only model.output-type differs between the two runs, so only
    // the settings can tell that the committed probabilities are not what the new config asks for.
    String ranges = "0-1499,1500-2999";
    for (String type : List.of("probability", "raw")) {
      JobYaml yaml =
          JobYaml.demo(lightGbmInput, lightGbmModel, dir.resolve("lgbm-incremental"))
              .set("output.mode", "incremental")
              .set("sharding.ranges", JobYaml.quoted(ranges))
              .set("model.features", JobYaml.flow(FEATURES))
              .set("model.output-type", type);
      Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "tree job"))
          .execute();
    }
    Map<Long, Float> got =
        scores(Shardscore.read(SparkTestSession.get(), dir.resolve("lgbm-incremental").toString()));
    assertMatches(lightGbmOracle(FEATURES, true), got, 1e-5);
  }

  @Test
  void aWrongFeatureOrderFailsTheComparison() {
    ScoreResult result =
        score(lightGbmInput, lightGbmModel, "lgbm-order-out", "0-2999", FEATURES, null, null);
    List<String> swapped = new ArrayList<>(FEATURES);
    swapped.set(0, "f1");
    swapped.set(1, "f0");
    Map<Long, Double> wrong = lightGbmOracle(swapped, false);
    Map<Long, Float> got = scores(result);
    long off =
        got.entrySet().stream()
            .filter(e -> Math.abs(wrong.get(e.getKey()) - e.getValue()) > 1e-6)
            .count();
    assertTrue(off > got.size() / 2, "a swapped feature order is caught: " + off + " rows off");
  }

  @Test
  void xgboostJsonAndUbjJobsEqualPythonXgboostJoinedByKey() {
    for (String file : List.of("model.json", "model.ubj")) {
      for (String type : List.of("probability", "raw")) {
        ScoreResult result =
            score(
                xgboostInput,
                xgboostModels.resolve(file),
                "xgb-" + file + "-" + type,
                "0-149,150-299",
                FEATURES,
                null,
                type);
        int column = type.equals("raw") ? 1 : 0;
        Map<Long, Double> expected = new HashMap<>();
        python.forEach((k, v) -> expected.put(k, v[column]));
        assertMatches(expected, scores(result), 1e-5);
        assertEquals(
            "XGBoost",
            Shardscore.manifest(SparkTestSession.get(), result.output())
                .orElseThrow()
                .model()
                .engine());
      }
    }
  }
}

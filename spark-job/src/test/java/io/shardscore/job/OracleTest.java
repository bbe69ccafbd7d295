package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * shardscore's predictions against ONNX Runtime's own Java API on the same rows, joined by key. The
 * oracle builds feature vectors from plain Spark rows, independently of shardscore's code.
 */
class OracleTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;
  static ScoreResult result;

  @BeforeAll
  static void scoreThreeShards() {
    input = SparkTestSession.customers(dir, 6_000);
    model = SparkTestSession.model(dir);
    result =
        Shardscore.job(
                SparkTestSession.get(),
                SparkTestSession.job(
                    input, model, dir.resolve("out"), "0-1999,2000-3999,4000-5999", ""))
            .execute();
  }

  @Test
  void predictionsEqualOnnxRuntimeJavaApiOnTheSameRows() throws Exception {
    Map<Long, float[]> expected = oracle(List.of(DemoData.FEATURES.toArray(String[]::new)));
    List<Row> scored =
        result.dataset().select("customer_id", "probabilities", "score", "label").collectAsList();
    assertEquals(expected.size(), scored.size(), "every scorable row scored once");
    double minScore = 1;
    double maxScore = 0;
    for (Row r : scored) {
      float[] want = expected.get(r.getLong(0));
      List<Float> probs = r.getList(1);
      for (int c = 0; c < want.length; c++) {
        assertEquals(want[c], probs.get(c), 1e-5, "customer " + r.getLong(0));
      }
      assertEquals(want[1], r.getFloat(2), 1e-5);
      assertEquals(want[1] > want[0] ? 1 : 0, r.getInt(3));
      minScore = Math.min(minScore, r.getFloat(2));
      maxScore = Math.max(maxScore, r.getFloat(2));
    }
    assertTrue(maxScore - minScore > 0.2, "predictions vary: " + minScore + ".." + maxScore);
  }

  @Test
  void theComparisonCatchesAModelFedWithASwappedFeatureOrder() throws Exception {
    List<String> swapped = new ArrayList<>(List.of(DemoData.FEATURES.toArray(String[]::new)));
    String first = swapped.get(0);
    swapped.set(0, swapped.get(10));
    swapped.set(10, first);
    Map<Long, float[]> wrong = oracle(swapped);
    double worst = 0;
    for (Row r : result.dataset().select("customer_id", "score").collectAsList()) {
      worst = Math.max(worst, Math.abs(wrong.get(r.getLong(0))[1] - r.getFloat(1)));
    }
    assertTrue(worst > 1e-2, "swapped features must be detected, worst difference " + worst);
  }

  /** Probabilities per customer from ONNX Runtime directly, for rows with no defect. */
  private static Map<Long, float[]> oracle(List<String> featureOrder) throws Exception {
    List<Row> rows = SparkTestSession.get().read().parquet(input.toString()).collectAsList();
    List<Long> keys = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (Row r : rows) {
      if (r.isNullAt(r.fieldIndex("customer_id"))) {
        continue;
      }
      float[] v = new float[DemoData.WIDTH];
      int pos = 0;
      boolean ok = true;
      for (String f : featureOrder) {
        String column = f.replaceAll("\\[.*", "");
        Object value = r.get(r.fieldIndex(column));
        if (value == null) {
          ok = false;
          break;
        }
        if (value instanceof scala.collection.Seq<?>
            || value instanceof List<?>
            || f.contains("[")) {
          List<Object> list = r.getList(r.fieldIndex(column));
          if (list.size() != 6) {
            ok = false;
            break;
          }
          for (Object o : list) {
            v[pos++] = ((Number) o).floatValue();
          }
        } else {
          double d = ((Number) value).doubleValue();
          if (Double.isNaN(d)) {
            ok = false;
            break;
          }
          v[pos++] = (float) d;
        }
      }
      if (ok) {
        keys.add(r.getLong(r.fieldIndex("customer_id")));
        vectors.add(v);
      }
    }
    Map<Long, float[]> out = new HashMap<>();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(env, vectors.toArray(float[][]::new));
        OrtSession.Result y = session.run(Map.of("features", x))) {
      float[][] probs = (float[][]) y.get(0).getValue();
      for (int i = 0; i < probs.length; i++) {
        out.put(keys.get(i), probs[i]);
      }
    }
    return out;
  }
}

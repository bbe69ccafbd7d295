package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded job over a model of two outputs, an embedding first and class probabilities second:
 * {@code model.outputs.from} picks the probabilities for the prediction columns and {@code
 * model.outputs.tensors} writes the embedding to a column of its own; TorchScript and ONNX against
 * PyTorch by key (tolerance 1e-5). Written by model-adapters' {@code make_two_outputs.py}.
 */
class NamedOutputsJobTest {
  private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");

  @TempDir static Path dir;
  static Path models;
  static Path input;
  static Map<Long, double[]> torch = new HashMap<>();

  @BeforeAll
  static void data() throws IOException, InterruptedException {
    models = PythonModels.twoOutputs(dir.resolve("two"));
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(models.resolve("rows.csv"))) {
      String[] f = line.split(",");
      Object[] v = new Object[7];
      v[0] = Long.parseLong(f[0]);
      for (int c = 0; c < 6; c++) {
        v[c + 1] = Double.parseDouble(f[c + 1]);
      }
      rows.add(RowFactory.create(v));
    }
    for (String line : Files.readAllLines(models.resolve("expected.csv"))) {
      String[] f = line.split(",");
      double[] e = new double[11];
      for (int k = 0; k < 11; k++) {
        e[k] = Double.parseDouble(f[k + 1]);
      }
      torch.put(Long.parseLong(f[0]), e);
    }
    StructType schema = new StructType().add("customer_id", DataTypes.LongType, false);
    for (String f : FEATURES) {
      schema = schema.add(f, DataTypes.DoubleType);
    }
    input = dir.resolve("input");
    SparkTestSession.get().createDataFrame(rows, schema).write().parquet(input.toString());
  }

  private static JobYaml job(String model, String output, String outputs) {
    return JobYaml.demo(input, models.resolve(model), dir.resolve(output))
        .set("model.features", JobYaml.flow(FEATURES))
        .set("model.outputs", outputs)
        .set("sharding.ranges", JobYaml.quoted("0-74,75-MAX"));
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "outputs"))
        .execute();
  }

  private static void assertEqualsPyTorch(ScoreResult r) {
    List<Row> got =
        r.dataset()
            .select("customer_id", "probabilities", "score", "label", "customer_embedding")
            .collectAsList();
    assertEquals(torch.size(), got.size());
    for (Row row : got) {
      double[] e = torch.get(row.getLong(0));
      List<Float> p = row.getList(1);
      assertEquals(3, p.size(), "probabilities are the primary output alone");
      int best = 0;
      for (int k = 0; k < 3; k++) {
        assertEquals(e[k], p.get(k), 1e-5, "customer " + row.getLong(0));
        best = e[k] > e[best] ? k : best;
      }
      assertEquals(e[2], row.getFloat(2), 1e-5, "score is the last class");
      assertEquals(best, row.getInt(3), "label is the argmax of the probabilities");
      List<Float> embedding = row.getList(4);
      assertEquals(8, embedding.size());
      for (int k = 0; k < 8; k++) {
        assertEquals(e[3 + k], embedding.get(k), 1e-5, "embedding of " + row.getLong(0));
      }
    }
  }

  @Test
  void onnxOutputsByNameGoToTheirColumns() {
    assertEqualsPyTorch(
        score(
            job(
                "two_outputs.onnx",
                "onnx",
                "{from: probabilities, tensors: {embedding: customer_embedding}}")));
  }

  @Test
  void torchScriptTupleOutputsByPositionGoToTheirColumns() {
    assertEqualsPyTorch(
        score(job("two_outputs.pt", "torch", "{from: '1', tensors: {'0': customer_embedding}}")));
  }

  @Test
  void anOutputTheModelDoesNotHaveFailsBeforeAnyTaskAndWritesNothing() {
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    job(
                        "two_outputs.onnx",
                        "missing",
                        "{from: logits, tensors: {embedding: customer_embedding}}")));
    assertTrue(e.getMessage().contains("no output 'logits'"), e.getMessage());
    assertTrue(e.getMessage().contains("[embedding, probabilities]"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("missing")), "nothing written");
  }
}

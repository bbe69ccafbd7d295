package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.ModelRegistry;
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
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded job over a TorchScript model (DJL's PyTorch engine) against the probabilities the
 * PyTorch that traced it computed for the same rows, joined by key (tolerance 1e-5). The model and
 * its oracle are written by model-adapters' {@code make_torchscript.py} with Debian's
 * python3-torch.
 */
class TorchScriptJobTest {
  private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");
  private static final Set<Long> DEFECTIVE = Set.of(300L, 301L);

  @TempDir static Path dir;
  static Path models;
  static Path input;
  static Map<Long, double[]> torch = new HashMap<>();

  @BeforeAll
  static void traceAndWriteInput() throws IOException, InterruptedException {
    models = PythonModels.torchScript(dir.resolve("torch"));

    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(models.resolve("rows.csv"))) {
      String[] f = line.split(",");
      Object[] v = new Object[7];
      v[0] = Long.parseLong(f[0]);
      for (int c = 0; c < 6; c++) {
        v[c + 1] = (double) Float.parseFloat(f[c + 1]);
      }
      rows.add(RowFactory.create(v));
    }
    for (long id : DEFECTIVE) {
      rows.add(RowFactory.create(id, 1.0, null, 0.5, 0.5, 0.5, 0.5)); // unscorable: an error row
    }
    for (String line : Files.readAllLines(models.resolve("expected.csv"))) {
      String[] f = line.split(",");
      torch.put(
          Long.parseLong(f[0]),
          new double[] {
            Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])
          });
    }
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("customer_id", DataTypes.LongType, false));
    for (String f : FEATURES) {
      fields.add(DataTypes.createStructField(f, DataTypes.DoubleType, true));
    }
    input = dir.resolve("input");
    SparkTestSession.get()
        .createDataFrame(rows, new StructType(fields.toArray(StructField[]::new)))
        .repartition(3)
        .write()
        .parquet(input.toString());
  }

  private static JobYaml job(Path model, String output, List<String> features) {
    return JobYaml.demo(input, model, dir.resolve(output))
        .set("sharding.ranges", JobYaml.quoted("0-99,100-199,200-301"))
        .set("sharding.max-rows-per-partition", 70)
        .set("model.features", JobYaml.flow(features))
        .set("scoring.batch-size", 32);
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "torch job"))
        .execute();
  }

  @Test
  void aShardedJobEqualsPyTorchJoinedByKey() {
    // No model.engine: .pt means PyTorch. Another test of this class may have loaded the model
    // already; either way the driver's check and every task share one load.
    Path model = models.resolve("model.pt");
    String digest = ModelDigest.of(model, ModelEngine.PYTORCH);
    boolean loaded = ModelRegistry.loaded().stream().anyMatch(k -> k.startsWith(digest));
    int loadsBefore = ModelRegistry.loadCount();
    ScoreResult result = score(job(model, "out", FEATURES));

    Map<Long, Row> got = new HashMap<>();
    for (Row r :
        result.dataset().select("customer_id", "probabilities", "score", "label").collectAsList()) {
      got.put(r.getLong(0), r);
    }
    assertEquals(torch.keySet(), got.keySet(), "every scorable row scored once");
    Set<Float> distinct = new HashSet<>();
    for (Map.Entry<Long, Row> e : got.entrySet()) {
      double[] expected = torch.get(e.getKey());
      List<Float> probabilities = e.getValue().getList(1);
      assertEquals(3, probabilities.size());
      int argmax = 0;
      for (int k = 0; k < 3; k++) {
        assertEquals(expected[k], probabilities.get(k), 1e-5, "customer " + e.getKey());
        argmax = expected[k] > expected[argmax] ? k : argmax;
      }
      assertEquals(expected[2], e.getValue().getFloat(2), 1e-5, "score is the last class");
      assertEquals(argmax, e.getValue().getInt(3), "label is the argmax");
      distinct.add(probabilities.get(0));
    }
    assertTrue(distinct.size() > 250, "predictions vary: " + distinct.size());
    assertEquals(DEFECTIVE.size(), result.rowsRejected(), "rows with a null feature are errors");
    assertEquals(DEFECTIVE.size(), result.errors().count());

    Manifest manifest = Shardscore.manifest(SparkTestSession.get(), result.output()).orElseThrow();
    assertEquals("PyTorch", manifest.model().engine());
    assertEquals(digest, manifest.model().digest());
    assertEquals(
        loadsBefore + (loaded ? 0 : 1), ModelRegistry.loadCount(), "one load per JVM and digest");
  }

  @Test
  void aWrongFeatureOrderFailsTheComparison() {
    List<String> swapped = new ArrayList<>(FEATURES);
    swapped.set(0, "f2");
    swapped.set(2, "f0");
    ScoreResult result = score(job(models.resolve("model.pt"), "swapped", swapped));
    long off = 0;
    for (Row r : result.dataset().select("customer_id", "probabilities").collectAsList()) {
      List<Float> p = r.getList(1);
      if (Math.abs(torch.get(r.getLong(0))[0] - p.get(0)) > 1e-5) {
        off++;
      }
    }
    assertTrue(off > torch.size() / 2, "a swapped feature order is caught: " + off + " rows off");
  }

  @Test
  void aModelThatDoesNotFitTheFeaturesFailsBeforeAnyTaskAndWritesNothing() {
    JobYaml yaml = job(models.resolve("model.pt"), "narrow", FEATURES.subList(0, 5));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> score(yaml));
    assertTrue(e.getMessage().contains("fails on two rows of 5 float32 features"), e.getMessage());
    assertTrue(e.getMessage().contains("shapes cannot be multiplied"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("narrow")), "nothing written");
  }

  @Test
  void rawOutputIsRefusedByValidation() {
    JobYaml yaml = job(models.resolve("model.pt"), "raw", FEATURES).set("model.output-type", "raw");
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () -> JobConfigValidator.validate(JobConfigReader.parse(yaml.text(), "torch job")));
    assertTrue(e.getMessage().contains("runs on PyTorch"), e.getMessage());
  }
}

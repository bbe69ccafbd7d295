package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.cluster.SparkSubmitProcess;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.demo.DemoData;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar runs under {@code org.apache.spark.deploy.SparkSubmit --master
 * local[2]} in a separate JVM whose classpath holds Spark alone, as on a cluster where Spark is
 * provided.
 */
class SparkSubmitIT {
  @TempDir Path dir;

  @Test
  void theShadedJarRunsAJobUnderSparkSubmit() throws Exception {
    Path appJar = io.shardscore.job.cluster.StandaloneCluster.appJar();
    String sparkOnly =
        String.join(
            File.pathSeparator, io.shardscore.job.cluster.StandaloneCluster.providedClasspath());

    Path input = SparkTestSession.customers(dir, 10_000);
    Path model = SparkTestSession.model(dir);
    Path output = dir.resolve("scores");
    Path job = dir.resolve("job.yaml");
    Files.writeString(
        job,
        "input: {path: "
            + input
            + "}\noutput: {path: "
            + output
            + "}\n"
            + "sharding: {key: customer_id, ranges: '0-4999,5000-9999', max-rows-per-partition: 2500}\n"
            + "model:\n  path: "
            + model
            + "\n  features:\n"
            + DemoData.FEATURES.stream().map(f -> "    - " + f + "\n").reduce("", String::concat));

    SparkSubmitProcess.runAndCommit(
        sparkOnly,
        List.of(),
        Map.of(),
        dir.resolve("spark-submit.log"),
        List.of("--master", "local[2]", appJar.toString(), "run", "--config", job.toString()));

    Manifest m = Shardscore.manifest(SparkTestSession.get(), output.toString()).orElseThrow();
    assertEquals(10_000, m.totalRows() + m.totalErrorRows());
    assertEquals(DemoData.defectiveRows(10_000), m.totalErrorRows());
  }

  /**
   * The shaded jar scores an XGBoost UBJ model and a LightGBM text model under spark-submit with
   * Spark (and JNA) on the parent class loader, and the scores equal Python's xgboost and
   * LightGBM's own predict. (DJL's XGBoost arrays failed here with a VerifyError, through their
   * class in JNA's package.)
   */
  @Test
  void theShadedJarScoresXgboostAndLightGbmModels() throws Exception {
    Path appJar = io.shardscore.job.cluster.StandaloneCluster.appJar();
    String sparkOnly =
        String.join(
            File.pathSeparator, io.shardscore.job.cluster.StandaloneCluster.providedClasspath());
    Path xgb = PythonModels.xgboost(dir.resolve("xgb"));
    List<String> lines = Files.readAllLines(xgb.resolve("rows.csv"));
    Path input = Files.createDirectories(dir.resolve("rows"));
    Files.writeString(
        input.resolve("rows.csv"),
        "customer_id,f0,f1,f2,f3,f4,f5\n" + String.join("\n", lines) + "\n");
    float[] x = new float[lines.size() * 6];
    for (int r = 0; r < lines.size(); r++) {
      String[] f = lines.get(r).split(",");
      for (int c = 0; c < 6; c++) {
        x[r * 6 + c] = Float.parseFloat(f[c + 1]);
      }
    }
    Path lightGbm = dir.resolve("model.txt");
    Map<Long, Double> lightGbmScores = new java.util.HashMap<>();
    float[] labels = new float[lines.size()];
    for (int r = 0; r < labels.length; r++) {
      labels[r] = x[r * 6] - x[r * 6 + 1] > 0 ? 1 : 0;
    }
    try (io.shardscore.model.lightgbm.LightGbmTrainer t =
        io.shardscore.model.lightgbm.LightGbmTrainer.train(
            x, labels, 6, "objective=binary num_leaves=7 min_data_in_leaf=5", 10)) {
      t.save(lightGbm);
      double[] y = t.predict(x, lines.size(), false);
      for (int r = 0; r < y.length; r++) {
        lightGbmScores.put((long) r, y[r]);
      }
    }
    Map<Long, Double> xgboostScores = new java.util.HashMap<>();
    for (String line : Files.readAllLines(xgb.resolve("expected.csv"))) {
      String[] f = line.split(",");
      xgboostScores.put(Long.parseLong(f[0]), Double.parseDouble(f[1]));
    }
    for (Map.Entry<Path, Map<Long, Double>> model :
        Map.of(xgb.resolve("model.ubj"), xgboostScores, lightGbm, lightGbmScores).entrySet()) {
      Path output = dir.resolve("scores-" + model.getKey().getFileName());
      Path job = dir.resolve("job-" + model.getKey().getFileName() + ".yaml");
      Files.writeString(
          job,
          "input: {path: "
              + input
              + ", format: csv, options: {header: true, inferSchema: true}}\noutput: {path: "
              + output
              + "}\nsharding: {key: customer_id, ranges: '0-149,150-299'}\n"
              + "model:\n  path: "
              + model.getKey()
              + "\n  features: [f0, f1, f2, f3, f4, f5]\n");
      SparkSubmitProcess.runAndCommit(
          sparkOnly,
          List.of(),
          Map.of(),
          dir.resolve("spark-submit-" + model.getKey().getFileName() + ".log"),
          List.of("--master", "local[2]", appJar.toString(), "run", "--config", job.toString()));
      List<org.apache.spark.sql.Row> rows =
          Shardscore.read(SparkTestSession.get(), output.toString())
              .select("customer_id", "score")
              .collectAsList();
      assertEquals(lines.size(), rows.size(), model.getKey() + ": every row scored");
      for (org.apache.spark.sql.Row r : rows) {
        long id = ((Number) r.get(0)).longValue(); // CSV schema inference makes it an int
        assertEquals(model.getValue().get(id), r.getFloat(1), 1e-5, model.getKey() + " " + id);
      }
    }
  }

  /**
   * A TorchScript model under spark-submit: the shaded jar carries DJL's PyTorch engine but not
   * libtorch, so the run adds {@code pytorch-native-cpu} with {@code --jars} and its scores equal
   * PyTorch's; without it the run fails before any task, naming the jar to add, and writes nothing.
   */
  @Test
  void theShadedJarScoresATorchScriptModelWithLibtorchAddedByJars() throws Exception {
    Path appJar = io.shardscore.job.cluster.StandaloneCluster.appJar();
    String sparkOnly =
        String.join(
            File.pathSeparator, io.shardscore.job.cluster.StandaloneCluster.providedClasspath());
    Path libtorch = io.shardscore.job.cluster.StandaloneCluster.libtorchJar();
    Path torch = PythonModels.torchScript(dir.resolve("torch"));
    Path input = Files.createDirectories(dir.resolve("torch-rows"));
    Files.writeString(
        input.resolve("rows.csv"),
        "customer_id,f0,f1,f2,f3,f4,f5\n"
            + String.join("\n", Files.readAllLines(torch.resolve("rows.csv")))
            + "\n");
    Map<Long, Double> expected = new java.util.HashMap<>();
    for (String line : Files.readAllLines(torch.resolve("expected.csv"))) {
      String[] f = line.split(",");
      expected.put(Long.parseLong(f[0]), Double.parseDouble(f[3])); // score: the last class
    }
    Path output = dir.resolve("torch-scores");
    Path job = dir.resolve("torch-job.yaml");
    Files.writeString(
        job,
        "input: {path: "
            + input
            + ", format: csv, options: {header: true, inferSchema: true}}\noutput: {path: "
            + output
            + "}\nsharding: {key: customer_id, ranges: '0-149,150-299'}\n"
            + "model:\n  path: "
            + torch.resolve("model.pt")
            + "\n  features: [f0, f1, f2, f3, f4, f5]\n");
    List<String> run = List.of(appJar.toString(), "run", "--config", job.toString());

    SparkSubmitProcess.Finished without =
        SparkSubmitProcess.run(
            sparkOnly,
            List.of(),
            Map.of(),
            dir.resolve("spark-submit-torch-without.log"),
            java.util.stream.Stream.concat(Stream.of("--master", "local[2]"), run.stream())
                .toList());
    assertEquals(2, without.exit(), without.output());
    org.junit.jupiter.api.Assertions.assertTrue(
        without.output().contains("--jars pytorch-native-cpu-2.7.1-linux-x86_64.jar"),
        without.output());
    org.junit.jupiter.api.Assertions.assertFalse(Files.exists(output), "nothing written");

    SparkSubmitProcess.runAndCommit(
        sparkOnly,
        List.of(),
        Map.of(),
        dir.resolve("spark-submit-torch.log"),
        java.util.stream.Stream.concat(
                Stream.of("--master", "local[2]", "--jars", libtorch.toString()), run.stream())
            .toList());
    List<org.apache.spark.sql.Row> rows =
        Shardscore.read(SparkTestSession.get(), output.toString())
            .select("customer_id", "score")
            .collectAsList();
    assertEquals(expected.size(), rows.size(), "every row scored");
    for (org.apache.spark.sql.Row r : rows) {
      long id = ((Number) r.get(0)).longValue();
      assertEquals(expected.get(id), r.getFloat(1), 1e-5, "customer " + id);
    }
  }
}

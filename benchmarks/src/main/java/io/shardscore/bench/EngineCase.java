package io.shardscore.bench;

import io.shardscore.job.Shardscore;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.demo.DemoModel;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.lightgbm.LightGbmTrainer;
import io.shardscore.model.onnx.DenseLayer;
import io.shardscore.model.onnx.Mlp;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Issue 12's engine comparison: the same job (the demo table's 20 features, 8 range shards, Parquet
 * to committed Parquet) end to end with each engine, alternating engines within each repetition:
 *
 * <ul>
 *   <li>{@code OnnxRuntime}: the demo's 20-32-16-2 MLP as ONNX;
 *   <li>{@code PyTorch}: the same MLP, the same weights, traced as TorchScript by {@code
 *       bench/make_torch_mlp.py} (Debian's python3-torch; skipped, with the reason, without it);
 *   <li>{@code XGBoost}: 100 trees of depth 6 trained by Python's xgboost ({@code
 *       bench/train_xgboost_bench.py}) on 20,000 of the rows, labelled by the MLP;
 *   <li>{@code LightGBM}: 100 trees of 31 leaves trained on the same rows.
 * </ul>
 *
 * The figures are rows/s from job start to commit; each engine's ratio to ONNX Runtime is measured
 * in the same run.
 */
final class EngineCase {
  static final String WORKLOAD = "engines";
  private static final int TRAIN_ROWS = 20_000;

  private final Path out;
  private final long rows;
  private final int batch;
  private final ResultLog results;

  EngineCase(Path out, long rows, int batch, ResultLog results) {
    this.out = out;
    this.rows = rows;
    this.batch = batch;
    this.results = results;
  }

  void run(SparkSession spark, int reps) throws Exception {
    Workload w = Workload.small(spark, out.resolve("data"), rows);
    Map<String, Path> models = new LinkedHashMap<>();
    models.put("OnnxRuntime", w.model());
    Path torch = torchScript(DemoModel.mlp(), out.resolve("data/engines-mlp.pt"));
    if (torch != null) {
      models.put("PyTorch", torch);
    }
    float[][] training = training(spark, w);
    Path trees = xgboost(training, out.resolve("data/engines-trees.json"));
    if (trees != null) {
      models.put("XGBoost", trees);
    }
    models.put("LightGBM", lightgbm(training, out.resolve("data/engines-trees.txt")));
    for (int rep = 0; rep < reps; rep++) {
      BenchmarkCommand.log("engines repetition " + (rep + 1) + " of " + reps);
      for (Map.Entry<String, Path> m : models.entrySet()) {
        results.record(endToEnd(spark, w, m.getKey(), m.getValue(), rep));
      }
    }
  }

  private Measurement endToEnd(SparkSession spark, Workload w, String engine, Path model, int rep) {
    long start = System.nanoTime();
    ScoreResult r =
        Shardscore.job(spark)
            .input(w.data().toString())
            .shardByRanges("customer_id", BenchmarkCommand.ranges(w.rows(), 8))
            .maxRowsPerPartition(Math.max(1, w.rows() / 8))
            .model(model.toString(), w.features())
            .batchSize(batch)
            .output(out.resolve("engines-" + engine).toString())
            .mode(OutputMode.OVERWRITE)
            .execute();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Measurement(
        "end-to-end-" + engine,
        WORKLOAD,
        rep,
        r.rowsIn(),
        seconds,
        Map.of("modelSeconds", r.modelMillis() / 1000.0, "tasks", r.tasks()));
  }

  /** The MLP as TorchScript, or null (logged) when Python's torch is not installed. */
  private static Path torchScript(Mlp mlp, Path file) throws IOException, InterruptedException {
    StringBuilder json = new StringBuilder("[");
    for (DenseLayer l : mlp.layers()) {
      json.append(json.length() > 1 ? "," : "")
          .append("{\"inputs\":")
          .append(l.inputs())
          .append(",\"outputs\":")
          .append(l.outputs())
          .append(",\"weights\":")
          .append(floats(l.weights()))
          .append(",\"bias\":")
          .append(floats(l.bias()))
          .append('}');
    }
    Path layers = Files.writeString(file.resolveSibling("engines-mlp.json"), json.append(']'));
    return python("make_torch_mlp.py", "python3-torch", layers.toString(), file);
  }

  private static String floats(float[] values) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      b.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.9g", values[i]));
    }
    return b.append(']').toString();
  }

  /**
   * {@link #TRAIN_ROWS} rows of the benchmark's data as features (row-major) and the demo MLP's
   * class for each as the label: {@code [values, labels]}.
   */
  private static float[][] training(SparkSession spark, Workload w) {
    List<Row> sample = spark.read().parquet(w.data().toString()).limit(TRAIN_ROWS).collectAsList();
    Mlp mlp = DemoModel.mlp();
    float[] values = new float[sample.size() * w.width()];
    float[] labels = new float[sample.size()];
    float[] row = new float[w.width()];
    for (int r = 0; r < sample.size(); r++) {
      int k = 0;
      for (String feature : w.features()) {
        int bracket = feature.indexOf('[');
        String column = bracket < 0 ? feature : feature.substring(0, bracket);
        Object v = sample.get(r).getAs(column);
        if (v instanceof scala.collection.Seq<?> seq) {
          for (Object e : scala.jdk.javaapi.CollectionConverters.asJava(seq)) {
            row[k++] = e == null ? 0f : ((Number) e).floatValue();
          }
        } else {
          row[k++] = v == null ? 0f : ((Number) v).floatValue();
        }
      }
      System.arraycopy(row, 0, values, r * w.width(), w.width());
      double[] p = mlp.predict(row);
      labels[r] = p[1] > p[0] ? 1f : 0f;
    }
    return new float[][] {values, labels};
  }

  /**
   * 100 trees trained by Python's xgboost on {@code training} ({@code
   * bench/train_xgboost_bench.py}), or null (logged) when python3-xgboost is not installed: DJL's
   * XGBoost jar carries no trainer.
   */
  private static Path xgboost(float[][] training, Path file)
      throws IOException, InterruptedException {
    int n = training[1].length;
    int width = training[0].length / n;
    StringBuilder csv = new StringBuilder();
    for (int r = 0; r < n; r++) {
      csv.append(training[1][r]);
      for (int c = 0; c < width; c++) {
        csv.append(',').append(training[0][r * width + c]);
      }
      csv.append('\n');
    }
    Path data = Files.writeString(file.resolveSibling("engines-train.csv"), csv);
    return python("train_xgboost_bench.py", "python3-xgboost", data.toString(), file);
  }

  /** Runs a bench script with Debian's python3; null (logged) when it fails. */
  private static Path python(String script, String debianPackage, String input, Path output)
      throws IOException, InterruptedException {
    Path file;
    try {
      file = Path.of(EngineCase.class.getResource("/bench/" + script).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Process p =
        new ProcessBuilder("/usr/bin/python3", file.toString(), input, output.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      BenchmarkCommand.log(
          "engines: " + script + " failed (apt-get install -y " + debianPackage + "): " + log);
      return null;
    }
    return output;
  }

  private static Path lightgbm(float[][] training, Path file) {
    int n = training[1].length;
    try (LightGbmTrainer t =
        LightGbmTrainer.train(
            training[0],
            training[1],
            training[0].length / n,
            "objective=binary num_leaves=31",
            100)) {
      t.save(file);
    }
    return file;
  }

  /** The comparison as a table: rows/s per engine, median (min–max), and the ratio to ONNX. */
  static String markdown(List<Measurement> all) {
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (Measurement m : all) {
      if (m.workload().equals(WORKLOAD)) {
        rates.computeIfAbsent(m.system(), k -> new ArrayList<>()).add(m.rowsPerSecond());
      }
    }
    double onnx = median(rates.getOrDefault("end-to-end-OnnxRuntime", List.of(0.0)));
    StringBuilder b =
        new StringBuilder("| engine | rows/s end to end, median (min–max) | / ONNX |\n");
    b.append("|---|---|---|\n");
    for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
      List<Double> v = e.getValue();
      double med = median(v);
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f (%,.0f–%,.0f, n=%d) | %.2f |%n",
              e.getKey().substring("end-to-end-".length()),
              med,
              v.stream().mapToDouble(Double::doubleValue).min().orElse(0),
              v.stream().mapToDouble(Double::doubleValue).max().orElse(0),
              v.size(),
              onnx == 0 ? 0 : med / onnx));
    }
    return b.toString();
  }

  static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    s.sort(Double::compare);
    int n = s.size();
    return n == 0 ? 0 : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}

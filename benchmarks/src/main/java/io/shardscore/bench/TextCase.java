package io.shardscore.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.xxhash64;

import io.shardscore.job.Shardscore;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.config.TextConfig;
import io.shardscore.job.result.ScoreResult;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The text model case of the engine comparison: the same job (reviews of 4 to 30 words, a one-layer
 * transformer encoder in ONNX taking up to 128 tokens, 8 range shards) end to end with {@code
 * model.text.padding: max-length} and with {@code longest}, alternating within each repetition. The
 * model is written by {@code bench/make_text_bench.py} (Debian's python3-torch; skipped, with the
 * reason, without it).
 */
final class TextCase {
  static final String WORKLOAD = "text";
  private static final int WORDS = 500;
  private static final int MAX_LENGTH = 128;

  private final Path out;
  private final long rows;
  private final int batch;
  private final ResultLog results;

  TextCase(Path out, long rows, int batch, ResultLog results) {
    this.out = out;
    this.rows = rows;
    this.batch = batch;
    this.results = results;
  }

  void run(SparkSession spark, int reps) throws Exception {
    Path folder = out.resolve("data/text-model");
    if (!python(folder)) {
      return;
    }
    Path data = out.resolve("data/text-" + rows);
    // Each review: 4 to 30 words drawn by hash from w0 .. w499, so every run writes the same.
    spark
        .range(0, rows, 1, 8)
        .select(
            col("id").as("customer_id"),
            concat_ws(
                    " ",
                    transform(
                        functions.sequence(
                            lit(1), pmod(xxhash64(col("id")), lit(27)).plus(4).cast("int")),
                        i ->
                            functions.concat(
                                lit("w"), pmod(xxhash64(col("id"), i), lit(WORDS)).cast("string"))))
                .as("review"))
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(data.toString());
    for (int rep = 0; rep < reps; rep++) {
      BenchmarkCommand.log("text repetition " + (rep + 1) + " of " + reps);
      for (String padding : List.of("max-length", "longest")) {
        results.record(endToEnd(spark, data, folder, padding, rep));
      }
    }
  }

  private Measurement endToEnd(
      SparkSession spark, Path data, Path folder, String padding, int rep) {
    long start = System.nanoTime();
    ScoreResult r =
        Shardscore.job(spark)
            .input(data.toString())
            .shardByRanges("customer_id", BenchmarkCommand.ranges(rows, 8))
            .maxRowsPerPartition(Math.max(1, rows / 8))
            .textModel(
                folder.resolve("text.onnx").toString(),
                TextConfig.column("review")
                    .maxLength(MAX_LENGTH)
                    .attentionMask(true)
                    .padding(padding))
            .batchSize(batch)
            .output(out.resolve("text-" + padding).toString())
            .mode(OutputMode.OVERWRITE)
            .execute();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Measurement(
        "end-to-end-" + padding,
        WORKLOAD,
        rep,
        r.rowsIn(),
        seconds,
        Map.of("modelSeconds", r.modelMillis() / 1000.0, "tasks", r.tasks()));
  }

  /** Writes the tokenizer and model into {@code folder}; false (logged) without python3-torch. */
  private static boolean python(Path folder) throws IOException, InterruptedException {
    Path script;
    try {
      script = Path.of(TextCase.class.getResource("/bench/make_text_bench.py").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3", script.toString(), Integer.toString(WORDS), folder.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      BenchmarkCommand.log(
          "text: make_text_bench.py failed (apt-get install -y python3-torch): " + log);
      return false;
    }
    return true;
  }

  /** Rows/s per padding, median (min–max), and each one's ratio to max-length. */
  static String markdown(List<Measurement> all) {
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    Map<String, List<Double>> model = new LinkedHashMap<>();
    for (Measurement m : all) {
      if (m.workload().equals(WORKLOAD)) {
        rates.computeIfAbsent(m.system(), k -> new ArrayList<>()).add(m.rowsPerSecond());
        model
            .computeIfAbsent(m.system(), k -> new ArrayList<>())
            .add(((Number) m.extra().get("modelSeconds")).doubleValue());
      }
    }
    if (rates.isEmpty()) {
      return "";
    }
    double base = EngineCase.median(rates.getOrDefault("end-to-end-max-length", List.of(0.0)));
    StringBuilder b =
        new StringBuilder(
            "| text model, padding | rows/s end to end, median (min–max) | model s (summed over"
                + " tasks) | / max-length |\n");
    b.append("|---|---|---|---|\n");
    for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
      List<Double> v = e.getValue();
      double med = EngineCase.median(v);
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f (%,.0f–%,.0f, n=%d) | %.1f | %.2f |%n",
              e.getKey().substring("end-to-end-".length()),
              med,
              v.stream().mapToDouble(Double::doubleValue).min().orElse(0),
              v.stream().mapToDouble(Double::doubleValue).max().orElse(0),
              v.size(),
              EngineCase.median(model.get(e.getKey())),
              base == 0 ? 0 : med / base));
    }
    return b.toString();
  }
}

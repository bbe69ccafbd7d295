package io.shardscore.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.shardscore.job.cli.ShardscoreCommand;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The issue-16 case: {@code customer_id} plus a 32-float array {@code x} in 16 Parquet files, keys
 * shuffled across the files, a 32-64-64-2 MLP, 8 range shards, passthrough the key only, output the
 * probabilities. Every system runs as a whole process of its own (a fresh JVM on every side),
 * alternating within each repetition, timed from process start to exit:
 *
 * <ul>
 *   <li>{@code wide-end-to-end}: {@code shardscore run --config job.yaml --master local[2]};
 *   <li>{@code wide-io-limit}: Spark reads the same files, shuffles them into the 8 shard
 *       partitions and writes the same output columns (key, constant probabilities, the three
 *       provenance columns) with its own writer ({@link WideLimit});
 *   <li>{@code wide-copy-limit}: the same read and write without the shuffle;
 *   <li>{@code wide-raw-engine}: the model alone on the same number of rows (preloaded floats, 2
 *       threads, batch 1024; engine time only, without JVM start and model load).
 * </ul>
 *
 * The pipeline limit is a limit's time plus the raw engine's time: reading and scoring run one
 * after the other on the same 2 cores.
 */
final class WideCase {
  static final String NAME = "wide32";
  static final int WIDTH = 32;
  static final int FILES = 16;
  static final int SHARDS = 8;
  private static final long SHUFFLE_PRIME = 1_000_003L;

  private final Path out;
  private final long rows;
  private final ResultLog results;

  WideCase(Path out, long rows, ResultLog results) {
    this.out = out;
    this.rows = rows;
    this.results = results;
  }

  void run(int reps) throws Exception {
    Path data = out.resolve("data/wide32-" + rows);
    Path model = out.resolve("data/wide32.onnx");
    if (!Files.exists(data.resolve("_SUCCESS"))) {
      BenchmarkCommand.log("wide32: generating " + rows + " rows in " + FILES + " files");
      SparkSession spark = BenchmarkCommand.localSpark("bench-data");
      frame(spark, rows).write().mode(SaveMode.Overwrite).parquet(data.toString());
      spark.stop();
    }
    OnnxMlpWriter.write(Mlp.seeded(32, WIDTH, 64, 64, 2), model);
    Path job = writeJob(data, model, out.resolve("wide32-e2e"));
    for (int rep = 0; rep < reps; rep++) {
      BenchmarkCommand.log("wide32 repetition " + (rep + 1) + " of " + reps);
      results.record(
          timed(
              "wide-end-to-end",
              rep,
              ShardscoreCommand.class.getName(),
              "run",
              "--config",
              job.toString(),
              "--master",
              "local[2]"));
      results.record(
          timed(
              "wide-io-limit",
              rep,
              WideLimit.class.getName(),
              "shuffle",
              data.toString(),
              out.resolve("wide32-io").toString(),
              Long.toString(rows)));
      results.record(
          timed(
              "wide-copy-limit",
              rep,
              WideLimit.class.getName(),
              "copy",
              data.toString(),
              out.resolve("wide32-copy").toString(),
              Long.toString(rows)));
      Map<String, Object> raw =
          ChildJvm.run(
              WideRaw.class.getName(),
              "6g",
              Map.of(),
              out.resolve("wide32-raw.log"),
              model.toString(),
              Long.toString(rows));
      results.record(
          new Measurement(
              "wide-raw-engine",
              NAME,
              rep,
              rows,
              ((Number) raw.get("seconds")).doubleValue(),
              Map.of()));
    }
  }

  private Measurement timed(String system, int rep, String mainClass, String... args)
      throws Exception {
    Path log = out.resolve(system + ".log");
    double seconds = ChildJvm.timed(mainClass, "4g", log, args);
    return new Measurement(system, NAME, rep, rows, seconds, Map.of("log", log.toString()));
  }

  /** The input: keys 0..rows-1 permuted across the files, 32 floats in [-1, 1). */
  static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame(
      SparkSession spark, long rows) {
    List<Column> xs = new ArrayList<>();
    for (int i = 0; i < WIDTH; i++) {
      xs.add(
          pmod(xxhash64(col("id"), lit(i)), lit(2000))
              .divide(1000.0)
              .minus(1.0)
              .cast(DataTypes.FloatType));
    }
    return spark
        .range(0, rows, 1, FILES)
        .select(
            pmod(col("id").multiply(SHUFFLE_PRIME), lit(rows)).as("customer_id"),
            functions.array(xs.toArray(Column[]::new)).as("x"));
  }

  private Path writeJob(Path data, Path model, Path output) throws Exception {
    String yaml =
        String.format(
            Locale.ROOT,
            """
            input:
              path: %s
            output:
              path: %s
              mode: overwrite
            sharding:
              key: customer_id
              ranges: %s
              max-rows-per-partition: %d
            model:
              path: %s
              features:
                - x[%d]
              outputs:
                probabilities: probabilities
            scoring:
              batch-size: 1024
              passthrough: [customer_id]
            spark:
              spark.sql.shuffle.partitions: "%d"
            """,
            data.toAbsolutePath(),
            output.toAbsolutePath(),
            BenchmarkCommand.ranges(rows, SHARDS),
            Math.max(1, rows / SHARDS),
            model.toAbsolutePath(),
            WIDTH,
            SHARDS);
    Path job = out.resolve("wide32-job.yaml");
    Files.writeString(job, yaml, StandardCharsets.UTF_8);
    return job;
  }

  /** Medians of the wall times and the ratios end to end / pipeline limit. */
  static String markdown(List<Measurement> all, long rows) {
    double e2e = medianSeconds(all, "wide-end-to-end");
    double io = medianSeconds(all, "wide-io-limit");
    double copy = medianSeconds(all, "wide-copy-limit");
    double raw = medianSeconds(all, "wide-raw-engine");
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "wide32: %,d rows, 32 floats, 16 files (keys shuffled), 32-64-64-2 MLP, 8 shards;"
                + " each system a fresh JVM, wall s, median (min–max)%n%n",
            rows));
    sb.append("| system | wall s |\n|---|---:|\n");
    for (String s :
        List.of("wide-end-to-end", "wide-io-limit", "wide-copy-limit", "wide-raw-engine")) {
      sb.append("| ").append(s).append(" | ").append(spread(all, s)).append(" |\n");
    }
    sb.append("\n| ratio | measured | target |\n|---|---:|---:|\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "| end to end / pipeline limit (io-limit + raw engine) | %.2f | ≥ 0.90 |%n",
            (io + raw) / e2e));
    sb.append(
        String.format(
            Locale.ROOT,
            "| end to end / pipeline limit (copy-limit + raw engine) | %.2f | ≥ 0.90"
                + " (shuffle-free placement) |%n",
            (copy + raw) / e2e));
    return sb.toString();
  }

  private static List<Double> seconds(List<Measurement> all, String system) {
    List<Double> s = new ArrayList<>();
    for (Measurement m : all) {
      if (m.system().equals(system) && m.workload().equals(NAME)) {
        s.add(m.seconds());
      }
    }
    s.sort(null);
    return s;
  }

  static double medianSeconds(List<Measurement> all, String system) {
    List<Double> s = seconds(all, system);
    if (s.isEmpty()) {
      return Double.NaN;
    }
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String spread(List<Measurement> all, String system) {
    List<Double> s = seconds(all, system);
    if (s.isEmpty()) {
      return "-";
    }
    return String.format(
        Locale.ROOT,
        "%.1f (%.1f–%.1f, n=%d)",
        medianSeconds(all, system),
        s.get(0),
        s.get(s.size() - 1),
        s.size());
  }
}

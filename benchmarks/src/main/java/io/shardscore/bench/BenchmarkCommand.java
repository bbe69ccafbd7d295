package io.shardscore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.Shardscore;
import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark harness: every system on the same data and model in one run, alternating systems
 * within each repetition, with results as JSON lines and a Markdown table of ratios.
 */
@Command(
    name = "shardscore-bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure shardscore against the engine limit, the I/O limit and a naive baseline, plus an",
      "incremental rerun, model loads on a two-executor cluster, and memory against shard size."
    })
public final class BenchmarkCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "Tiny sizes, one repetition: checks the harness works.")
  boolean quick;

  @Option(
      names = "--out",
      defaultValue = "target/bench",
      description = "Result folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--reps",
      description = "Repetitions of the alternated systems (default 3, quick 1).")
  Integer reps;

  @Option(
      names = "--batch-size",
      defaultValue = "1024",
      description = "Rows per model call (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--only-memory", description = "Run the memory measurement alone.")
  boolean onlyMemory;

  @Option(
      names = "--row-group-mb",
      defaultValue = "128",
      description = "Parquet row group size for the memory probe, MiB (default ${DEFAULT-VALUE}).")
  int rowGroupMb;

  private final List<Measurement> results = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchmarkCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    int repetitions = reps != null ? reps : quick ? 1 : 3;
    long smallRows = quick ? 30_000 : 1_000_000;
    long heavyRows = quick ? 2_000 : 60_000;
    long naiveRows = quick ? 3_000 : smallRows;
    Files.createDirectories(out);
    Files.deleteIfExists(out.resolve("results.jsonl"));
    Path data = out.resolve("data");
    if (onlyMemory) {
      SparkSession gen = localSpark("bench-data");
      Workload small = Workload.small(gen, data, quick ? 30_000 : 1_000_000);
      gen.stop();
      memory(small);
      String table = Report.markdown(results, LocalDate.now().toString(), quick);
      Files.writeString(out.resolve("summary.md"), table);
      System.out.println(table);
      return 0;
    }
    SparkSession spark = localSpark("shardscore-bench");
    log("generating data");
    Workload small = Workload.small(spark, data, smallRows);
    Workload heavy = Workload.heavy(spark, data, heavyRows, 8);
    int threads = 2;

    for (Workload w : List.of(heavy, small)) {
      RawEngine raw = new RawEngine(w, threads, batch);
      InferenceStage stage = new InferenceStage(spark, w, threads * 2, batch);
      for (int rep = 0; rep < repetitions; rep++) {
        record(raw.run(w, rep));
        record(stage.run(w, rep));
        record(endToEnd(spark, w, rep, "per-task"));
        record(endToEnd(spark, w, rep, "queue"));
        record(IoLimit.run(spark, w, out.resolve("io-" + w.name()), 8, rep));
        if (w == small || rep == 0) {
          record(
              NaiveBaseline.run(
                  spark, w, out.resolve("naive-" + w.name()), Math.min(naiveRows, w.rows()), rep));
        }
      }
      stage.release();
    }
    double heavyRate = median("end-to-end", "heavy");
    incremental(spark, heavyRate);
    spark.stop();
    modelLoads(small);
    memory(small);
    String table = Report.markdown(results, LocalDate.now().toString(), quick);
    Files.writeString(out.resolve("summary.md"), table);
    System.out.println();
    System.out.println(table);
    return 0;
  }

  /**
   * The job from Parquet to committed Parquet, with tasks calling the shared model directly
   * ("per-task") or through the per-device batching queue ("queue").
   */
  private Measurement endToEnd(SparkSession spark, Workload w, int rep, String batching) {
    long start = System.nanoTime();
    ScoreResult r =
        Shardscore.job(spark)
            .input(w.data().toString())
            .shardByRanges("customer_id", ranges(w.rows(), 8))
            .maxRowsPerPartition(Math.max(1, w.rows() / 8))
            .model(w.model().toString(), w.features())
            .batchSize(batch)
            .batching(batching)
            .output(out.resolve("e2e-" + w.name()).toString())
            .mode(OutputMode.OVERWRITE)
            .execute();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Measurement(
        batching.equals("queue") ? "end-to-end-queue" : "end-to-end",
        w.name(),
        rep,
        r.rowsIn(),
        seconds,
        Map.of("tasks", r.tasks(), "modelSeconds", r.modelMillis() / 1000.0));
  }

  /**
   * A full incremental run of >= 60 s (full mode) on key-clustered input, then 1 of 100 shards
   * changed.
   */
  private void incremental(SparkSession spark, double heavyRate) throws Exception {
    int shards = quick ? 20 : 100;
    long rows = quick ? 4_000 : Math.max(100_000, (long) (heavyRate * 80) / shards * shards);
    log("incremental: " + rows + " rows in " + shards + " key-clustered files");
    Path input = out.resolve("data/clustered-" + rows);
    Workload.heavyFrame(spark, rows, shards)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(input.toString());
    Workload w =
        new Workload("heavy", input, out.resolve("data/heavy.onnx"), List.of("x[256]"), 256, rows);
    Path output = out.resolve("incremental");
    deleteTree(output);
    long start = System.nanoTime();
    ScoreResult full = incrementalRun(spark, w, output, rows, shards);
    double fullSeconds = (System.nanoTime() - start) / 1e9;
    record(
        new Measurement(
            "full-run", "heavy", 0, full.rowsIn(), fullSeconds, Map.of("shards", shards)));

    // Rewrite the file that holds shard 37's keys (one of 100) with changed features.
    Path victim;
    try (Stream<Path> files = Files.list(input)) {
      victim =
          files
              .filter(p -> p.getFileName().toString().startsWith("part-"))
              .filter(p -> p.toString().endsWith(".parquet"))
              .sorted()
              .toList()
              .get(shards * 37 / 100);
    }
    Path tmp = out.resolve("data/rewrite");
    spark
        .read()
        .parquet(victim.toString())
        .selectExpr("customer_id", "transform(x, v -> v + 0.001f) as x")
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(tmp.toString());
    Path rewritten;
    try (Stream<Path> files = Files.list(tmp)) {
      rewritten = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Files.delete(victim);
    Files.deleteIfExists(victim.resolveSibling("." + victim.getFileName() + ".crc"));
    Files.move(rewritten, victim, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(victim, FileTime.fromMillis(System.currentTimeMillis()));

    ChangePlan plan =
        Shardscore.job(spark)
            .input(input.toString())
            .shardByRanges("customer_id", ranges(rows, shards))
            .model(w.model().toString(), w.features())
            .output(output.toString())
            .mode(OutputMode.INCREMENTAL)
            .plan();
    start = System.nanoTime();
    ScoreResult rerun = incrementalRun(spark, w, output, rows, shards);
    double rerunSeconds = (System.nanoTime() - start) / 1e9;
    record(
        new Measurement(
            "incremental-rerun",
            "heavy",
            0,
            rerun.rowsProcessed(),
            rerunSeconds,
            Map.of(
                "filesRead",
                plan.filesRead(),
                "inputFiles",
                plan.inputFiles(),
                "shardsScored",
                plan.shardsToScore(),
                "fullSeconds",
                fullSeconds)));
  }

  private ScoreResult incrementalRun(
      SparkSession spark, Workload w, Path output, long rows, int shards) {
    return Shardscore.job(spark)
        .input(w.data().toString())
        .shardByRanges("customer_id", ranges(rows, shards))
        .maxRowsPerPartition(Math.max(1, rows / shards))
        .model(w.model().toString(), w.features())
        .batchSize(batch)
        .output(output.toString())
        .mode(OutputMode.INCREMENTAL)
        .execute();
  }

  private void modelLoads(Workload w) throws Exception {
    log("model loads on a local-cluster of 2 executors");
    Path home = ChildJvm.sparkHome(out.resolve("spark-home"));
    Map<String, Object> r =
        ChildJvm.run(
            ClusterLoads.class.getName(),
            "2g",
            Map.of("SPARK_HOME", home.toAbsolutePath().toString(), "SPARK_SCALA_VERSION", "2.13"),
            out.resolve("cluster-loads.log"),
            w.data().toAbsolutePath().toString(),
            w.model().toAbsolutePath().toString(),
            out.resolve("cluster-out").toAbsolutePath().toString(),
            String.join(",", w.features()),
            Long.toString(w.rows()));
    record(
        new Measurement(
            "model-loads",
            w.name(),
            0,
            ((Number) r.get("rows")).longValue(),
            ((Number) r.get("seconds")).doubleValue(),
            r));
  }

  private void memory(Workload small) throws Exception {
    long big = quick ? 200_000 : 10_000_000;
    long little = big / 10;
    SparkSession spark = localSpark("bench-data");
    List<Path> inputs = new ArrayList<>();
    for (long rows : new long[] {little, big}) {
      log("memory: generating a " + rows + "-row shard");
      Path p = out.resolve("data/memory-" + rows);
      io.shardscore.job.demo.DemoData.frame(spark, rows, 8, false)
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(p.toString());
      inputs.add(p);
    }
    spark.stop();
    for (Path p : inputs) {
      Map<String, Object> r =
          ChildJvm.run(
              MemoryProbe.class.getName(),
              "1g",
              Map.of(),
              out.resolve(p.getFileName() + ".log"),
              p.toAbsolutePath().toString(),
              small.model().toAbsolutePath().toString(),
              out.resolve("memory-out").toAbsolutePath().toString(),
              String.join(",", small.features()),
              Long.toString(rowGroupMb * 1024L * 1024L));
      Map<String, Object> extra = new LinkedHashMap<>(r);
      extra.put("rowGroupMb", rowGroupMb);
      record(
          new Measurement(
              "memory",
              "small",
              0,
              ((Number) r.get("rows")).longValue(),
              ((Number) r.get("seconds")).doubleValue(),
              extra));
    }
  }

  /** The embedded local[2] session every in-process measurement shares. */
  private static SparkSession localSpark(String app) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate();
  }

  static String ranges(long rows, int shards) {
    List<String> r = new ArrayList<>();
    long width = Math.max(1, rows / shards);
    for (int s = 0; s < shards; s++) {
      long lo = s * width;
      r.add(lo + "-" + (s == shards - 1 ? "MAX" : Long.toString(lo + width - 1)));
    }
    return String.join(",", r);
  }

  private double median(String system, String workload) {
    return Report.median(results, system, workload);
  }

  private void record(Measurement m) throws IOException {
    results.add(m);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("system", m.system());
    line.put("workload", m.workload());
    line.put("rep", m.rep());
    line.put("rows", m.rows());
    line.put("seconds", m.seconds());
    line.put("rowsPerSecond", m.rowsPerSecond());
    line.putAll(m.extra());
    String text = json.writeValueAsString(line);
    Files.writeString(
        out.resolve("results.jsonl"),
        text + "\n",
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    System.out.println(text);
  }

  private static void log(String s) {
    System.out.println("# " + s);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}

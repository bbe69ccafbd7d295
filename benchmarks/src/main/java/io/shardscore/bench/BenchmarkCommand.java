package io.shardscore.bench;

import io.shardscore.job.Shardscore;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark harness: every system on the same data and model in one run, alternating systems
 * within each repetition, with results as JSON lines ({@link ResultLog}) and a Markdown table of
 * ratios ({@link Report}). The incremental rerun ({@link IncrementalRerun}) and the measurements in
 * JVMs of their own ({@link ChildRuns}) follow the alternated systems.
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

  @Option(
      names = "--only-engines",
      description =
          "Run the engine comparison alone (the same job with ONNX Runtime, PyTorch, XGBoost and"
              + " LightGBM; rows: --engine-rows, default 1,000,000; quick 30,000).")
  boolean onlyEngines;

  @Option(names = "--engine-rows", description = "Rows of the engine comparison.")
  Long engineRows;

  @Option(
      names = "--only-wide",
      description =
          "Run the wide32 case alone (32 floats, 16 files, keys shuffled; shardscore run against"
              + " Spark's io-limit and copy-limit, each a fresh JVM).")
  boolean onlyWide;

  @Option(
      names = "--wide-rows",
      description = "Rows of the wide32 case (default 10,000,000; quick 100,000).")
  Long wideRows;

  private ResultLog results;

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
    results = new ResultLog(out);
    ChildRuns children = new ChildRuns(out, quick, rowGroupMb, results);
    Path data = out.resolve("data");
    if (onlyWide) {
      long rows = wideRows != null ? wideRows : quick ? 100_000 : 10_000_000;
      new WideCase(out, rows, results).run(repetitions);
      String table = WideCase.markdown(results.all(), rows);
      Files.writeString(out.resolve("summary-wide.md"), table);
      System.out.println(table);
      return 0;
    }
    if (onlyEngines) {
      long rows = engineRows != null ? engineRows : quick ? 30_000 : 1_000_000;
      SparkSession spark = localSpark("shardscore-bench-engines");
      new EngineCase(out, rows, batch, results).run(spark, repetitions);
      new TextCase(out, Math.max(1_000, rows / 20), batch, results).run(spark, repetitions);
      spark.stop();
      String table = EngineCase.markdown(results.all()) + "\n" + TextCase.markdown(results.all());
      Files.writeString(out.resolve("summary-engines.md"), table);
      System.out.println(table);
      return 0;
    }
    if (onlyMemory) {
      SparkSession gen = localSpark("bench-data");
      Workload small = Workload.small(gen, data, quick ? 30_000 : 1_000_000);
      gen.stop();
      children.memory(small);
      String table = Report.markdown(results.all(), LocalDate.now().toString(), quick);
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
        results.record(raw.run(w, rep));
        results.record(stage.run(w, rep));
        results.record(endToEnd(spark, w, rep, "per-task"));
        results.record(endToEnd(spark, w, rep, "queue"));
        results.record(IoLimit.run(spark, w, out.resolve("io-" + w.name()), 8, rep));
        if (w == small || rep == 0) {
          results.record(
              NaiveBaseline.run(
                  spark, w, out.resolve("naive-" + w.name()), Math.min(naiveRows, w.rows()), rep));
        }
      }
      stage.release();
    }
    double heavyRate = results.median("end-to-end", "heavy");
    new IncrementalRerun(out, quick, batch, results).run(spark, heavyRate);
    spark.stop();
    children.modelLoads(small);
    children.memory(small);
    String table = Report.markdown(results.all(), LocalDate.now().toString(), quick);
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

  /** The embedded local[2] session every in-process measurement shares. */
  static SparkSession localSpark(String app) {
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

  static void log(String s) {
    System.out.println("# " + s);
  }
}

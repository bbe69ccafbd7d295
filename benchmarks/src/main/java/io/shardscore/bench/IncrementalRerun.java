package io.shardscore.bench;

import io.shardscore.job.Shardscore;
import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A full incremental run of >= 60 s (full mode) on key-clustered input, then a rerun after 1 of 100
 * shards changed: how much of the input the rerun reads and how long it takes.
 */
final class IncrementalRerun {
  private final Path out;
  private final boolean quick;
  private final int batch;
  private final ResultLog results;

  IncrementalRerun(Path out, boolean quick, int batch, ResultLog results) {
    this.out = out;
    this.quick = quick;
    this.batch = batch;
    this.results = results;
  }

  /** Runs both and records them; {@code heavyRate} (rows/s end to end) sizes the full run. */
  void run(SparkSession spark, double heavyRate) throws Exception {
    int shards = quick ? 20 : 100;
    long rows = quick ? 4_000 : Math.max(100_000, (long) (heavyRate * 80) / shards * shards);
    BenchmarkCommand.log("incremental: " + rows + " rows in " + shards + " key-clustered files");
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
    results.record(
        new Measurement(
            "full-run", "heavy", 0, full.rowsIn(), fullSeconds, Map.of("shards", shards)));

    rewriteOneShard(spark, input, shards);

    ChangePlan plan =
        Shardscore.job(spark)
            .input(input.toString())
            .shardByRanges("customer_id", BenchmarkCommand.ranges(rows, shards))
            .model(w.model().toString(), w.features())
            .output(output.toString())
            .mode(OutputMode.INCREMENTAL)
            .plan();
    start = System.nanoTime();
    ScoreResult rerun = incrementalRun(spark, w, output, rows, shards);
    double rerunSeconds = (System.nanoTime() - start) / 1e9;
    results.record(
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

  /** Rewrites the file that holds shard 37's keys (one of 100) with changed features. */
  private void rewriteOneShard(SparkSession spark, Path input, int shards) throws IOException {
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
  }

  private ScoreResult incrementalRun(
      SparkSession spark, Workload w, Path output, long rows, int shards) {
    return Shardscore.job(spark)
        .input(w.data().toString())
        .shardByRanges("customer_id", BenchmarkCommand.ranges(rows, shards))
        .maxRowsPerPartition(Math.max(1, rows / shards))
        .model(w.model().toString(), w.features())
        .batchSize(batch)
        .output(output.toString())
        .mode(OutputMode.INCREMENTAL)
        .execute();
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}

package io.shardscore.job;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import io.shardscore.job.config.JobConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Entry point of the library API.
 *
 * <pre>{@code
 * ScoreResult r = Shardscore.job(spark)
 *     .input(df).shardByRanges("customer_id", "0-999,1000-1999")
 *     .model("models/churn.onnx", List.of("age", "spend[6]"))
 *     .output("out/scores").execute();
 * r.dataset().show();
 * }</pre>
 */
public final class Shardscore {
  private Shardscore() {}

  /** A new scoring job on {@code spark}; configure it, then {@link ScoreJob#execute()}. */
  public static ScoreJob job(SparkSession spark) {
    return new ScoreJob(spark);
  }

  /** A scoring job from a whole job configuration (as read from YAML). */
  public static ScoreJob job(SparkSession spark, JobConfig config) {
    return new ScoreJob(spark).config(config);
  }

  /** The newest committed manifest of {@code output}, if it has one. */
  public static Optional<Manifest> manifest(SparkSession spark, String output) {
    Path root = new Path(output);
    try {
      FileSystem fs = root.getFileSystem(io.shardscore.job.store.SessionHadoopConf.of(spark));
      return new ManifestStore(fs, fs.makeQualified(root)).current();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The committed scored rows of {@code output}: exactly the files its manifest lists, so a read
   * during a later run never sees half of it. Includes a {@code shard} column from the folders.
   */
  public static Dataset<Row> read(SparkSession spark, String output) {
    return readListed(spark, output, s -> s.files());
  }

  /** The committed unscorable rows of {@code output}, with {@code error_reason}. */
  public static Dataset<Row> readErrors(SparkSession spark, String output) {
    return readListed(spark, output + "/_errors", s -> s.errorFiles(), output);
  }

  private static Dataset<Row> readListed(
      SparkSession spark,
      String output,
      Function<Manifest.ShardEntry, List<Manifest.FileEntry>> files) {
    return readListed(spark, output, files, output);
  }

  private static Dataset<Row> readListed(
      SparkSession spark,
      String basePath,
      Function<Manifest.ShardEntry, List<Manifest.FileEntry>> files,
      String output) {
    Manifest manifest =
        manifest(spark, output)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        output
                            + " has no committed shardscore manifest; run a job into it first."));
    String root = output.endsWith("/") ? output : output + "/";
    String[] paths =
        manifest.shards().stream()
            .flatMap(s -> files.apply(s).stream())
            .map(f -> root + f.path())
            .toArray(String[]::new);
    if (paths.length == 0) {
      return spark.emptyDataFrame();
    }
    return spark.read().option("basePath", basePath).parquet(paths);
  }
}

package io.shardscore.job;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.result.OutputReader;
import java.util.Optional;
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
    return new OutputReader(spark).manifest(output);
  }

  /**
   * The committed scored rows of {@code output}: exactly the files its newest manifest lists, so a
   * read during a later run never sees half of it. Includes a {@code shard} column from the
   * folders. If a crash interrupted the newest commit's move of files into place, this finishes it
   * first (docs/commit-protocol.md), which needs write access to the output.
   */
  public static Dataset<Row> read(SparkSession spark, String output) {
    return new OutputReader(spark).read(output, null, false);
  }

  /** The scored rows of one committed {@code version} of {@code output}. */
  public static Dataset<Row> read(SparkSession spark, String output, long version) {
    return new OutputReader(spark).read(output, version, false);
  }

  /** The committed unscorable rows of {@code output}, with {@code error_reason}. */
  public static Dataset<Row> readErrors(SparkSession spark, String output) {
    return new OutputReader(spark).read(output, null, true);
  }

  /** The unscorable rows of one committed {@code version} of {@code output}. */
  public static Dataset<Row> readErrors(SparkSession spark, String output, long version) {
    return new OutputReader(spark).read(output, version, true);
  }
}

package io.shardscore.job;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The outcome of a committed run: counts from the committed files, per-shard status, the manifest
 * version, and the committed output as a {@link Dataset}.
 *
 * @param rowsIn rows read from the input
 * @param rowsScored rows written with predictions
 * @param rowsRejected rows written to {@code _errors} with a reason
 * @param modelLoadsByExecutor model loads per executor JVM seen by this run's tasks
 */
public record ScoreResult(
    String runId,
    long manifestVersion,
    String output,
    long rowsIn,
    long rowsScored,
    long rowsRejected,
    List<ShardStatus> shards,
    long elapsedMillis,
    long modelMillis,
    Map<String, Integer> modelLoadsByExecutor,
    int tasks,
    SparkSession spark) {

  /** Rows per second from start to commit. */
  public double rowsPerSecond() {
    return elapsedMillis == 0 ? 0 : rowsIn * 1000.0 / elapsedMillis;
  }

  /** The committed scored rows (exactly the manifest's files), with a {@code shard} column. */
  public Dataset<Row> dataset() {
    return Shardscore.read(spark, output);
  }

  /** The committed unscorable rows with {@code error_reason}. */
  public Dataset<Row> errors() {
    return Shardscore.readErrors(spark, output);
  }
}

package io.shardscore.job.result;

import io.shardscore.job.change.ShardChange;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The outcome of a committed run: counts from the committed files, per-shard status, the manifest
 * version, and the committed output as a {@link Dataset}. A value: it holds no Spark session.
 *
 * @param manifestVersion the committed version; the previous one when nothing changed
 * @param rowsIn rows in the input
 * @param rowsScored rows in the committed output (all shards, also those an incremental run kept)
 * @param rowsRejected rows in the committed {@code _errors} (all shards)
 * @param rowsProcessed rows this run's tasks scored or rejected
 * @param batches model calls this run made
 * @param modelLoadsByExecutor model loads per executor JVM seen by this run's tasks
 * @param devicesByExecutor per executor, the devices its tasks used: the GPU Spark assigned and the
 *     device the model ran on, e.g. {@code gpu 1 -> cpu() (engine … sees no usable GPU …)}
 * @param changes what the run decided for every shard
 * @param committed false when an incremental run found nothing to do and committed nothing
 */
public record ScoreResult(
    String runId,
    long manifestVersion,
    String output,
    long rowsIn,
    long rowsScored,
    long rowsRejected,
    long rowsProcessed,
    long batches,
    List<ShardStatus> shards,
    long elapsedMillis,
    long modelMillis,
    Map<String, Integer> modelLoadsByExecutor,
    Map<String, List<String>> devicesByExecutor,
    int tasks,
    List<ShardChange> changes,
    boolean committed) {

  public ScoreResult {
    shards = List.copyOf(shards);
    changes = List.copyOf(changes);
  }

  /** Rows this run processed per second, from start to commit. */
  public double rowsPerSecond() {
    return elapsedMillis == 0 ? 0 : rowsProcessed * 1000.0 / elapsedMillis;
  }

  /** The per-shard table and the totals, as the command line prints them. */
  public String summary() {
    return RunSummary.format(this);
  }

  /**
   * The scored rows of the version this run committed (or found current), exactly its manifest's
   * files, with a {@code shard} column — not a later commit's. Read with the active session.
   */
  public Dataset<Row> dataset() {
    return dataset(SparkSession.active());
  }

  /** As {@link #dataset()}, read with {@code spark}. */
  public Dataset<Row> dataset(SparkSession spark) {
    return new OutputReader(spark).read(output, manifestVersion, false);
  }

  /** The unscorable rows of that version, with {@code error_reason}. */
  public Dataset<Row> errors() {
    return errors(SparkSession.active());
  }

  /** As {@link #errors()}, read with {@code spark}. */
  public Dataset<Row> errors(SparkSession spark) {
    return new OutputReader(spark).read(output, manifestVersion, true);
  }
}

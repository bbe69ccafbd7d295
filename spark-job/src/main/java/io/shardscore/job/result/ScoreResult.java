package io.shardscore.job.result;

import io.shardscore.job.change.ShardChange;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The outcome of a committed run: counts from the committed files, per-shard status, the manifest
 * version, and the committed output as a {@link Dataset}. Equality and {@code toString()} are over
 * the values only; the session the job ran on is kept to read the output.
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
public final class ScoreResult {
  private final String runId;
  private final long manifestVersion;
  private final String output;
  private final long rowsIn;
  private final long rowsScored;
  private final long rowsRejected;
  private final long rowsProcessed;
  private final long batches;
  private final List<ShardStatus> shards;
  private final long elapsedMillis;
  private final long modelMillis;
  private final Map<String, Integer> modelLoadsByExecutor;
  private final Map<String, List<String>> devicesByExecutor;
  private final int tasks;
  private final List<ShardChange> changes;
  private final boolean committed;
  private final SparkSession session;
  private final Map<String, Long> phaseMillis;

  /** A result read with {@code session} (the session the job ran on), or the active one if null. */
  public ScoreResult(
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
      boolean committed,
      SparkSession session) {
    this(
        runId,
        manifestVersion,
        output,
        rowsIn,
        rowsScored,
        rowsRejected,
        rowsProcessed,
        batches,
        shards,
        elapsedMillis,
        modelMillis,
        modelLoadsByExecutor,
        devicesByExecutor,
        tasks,
        changes,
        committed,
        session,
        Map.of());
  }

  private ScoreResult(
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
      boolean committed,
      SparkSession session,
      Map<String, Long> phaseMillis) {
    this.runId = runId;
    this.manifestVersion = manifestVersion;
    this.output = output;
    this.rowsIn = rowsIn;
    this.rowsScored = rowsScored;
    this.rowsRejected = rowsRejected;
    this.rowsProcessed = rowsProcessed;
    this.batches = batches;
    this.shards = List.copyOf(shards);
    this.elapsedMillis = elapsedMillis;
    this.modelMillis = modelMillis;
    this.modelLoadsByExecutor = modelLoadsByExecutor;
    this.devicesByExecutor = devicesByExecutor;
    this.tasks = tasks;
    this.changes = List.copyOf(changes);
    this.committed = committed;
    this.session = session;
    this.phaseMillis = Collections.unmodifiableMap(new LinkedHashMap<>(phaseMillis));
  }

  /**
   * The same result with the wall time of each phase of the run, in the order they ran (see the run
   * report's {@code phases}).
   */
  public ScoreResult withPhaseMillis(Map<String, Long> millisByPhase) {
    return new ScoreResult(
        runId,
        manifestVersion,
        output,
        rowsIn,
        rowsScored,
        rowsRejected,
        rowsProcessed,
        batches,
        shards,
        elapsedMillis,
        modelMillis,
        modelLoadsByExecutor,
        devicesByExecutor,
        tasks,
        changes,
        committed,
        session,
        millisByPhase);
  }

  /**
   * Wall time per phase of the run ({@code setup}, {@code census}, … {@code commit}), adding up to
   * {@link #elapsedMillis()}; empty for a result made without them. Timings observed by the driver,
   * left out of equality like the session.
   */
  public Map<String, Long> phaseMillis() {
    return phaseMillis;
  }

  public String runId() {
    return runId;
  }

  public long manifestVersion() {
    return manifestVersion;
  }

  public String output() {
    return output;
  }

  public long rowsIn() {
    return rowsIn;
  }

  public long rowsScored() {
    return rowsScored;
  }

  public long rowsRejected() {
    return rowsRejected;
  }

  public long rowsProcessed() {
    return rowsProcessed;
  }

  public long batches() {
    return batches;
  }

  public List<ShardStatus> shards() {
    return shards;
  }

  public long elapsedMillis() {
    return elapsedMillis;
  }

  public long modelMillis() {
    return modelMillis;
  }

  public Map<String, Integer> modelLoadsByExecutor() {
    return modelLoadsByExecutor;
  }

  public Map<String, List<String>> devicesByExecutor() {
    return devicesByExecutor;
  }

  public int tasks() {
    return tasks;
  }

  public List<ShardChange> changes() {
    return changes;
  }

  public boolean committed() {
    return committed;
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
   * files, with a {@code shard} column — not a later commit's. Read with the session the job ran
   * on.
   */
  public Dataset<Row> dataset() {
    return dataset(readingSession());
  }

  /** As {@link #dataset()}, read with {@code spark}. */
  public Dataset<Row> dataset(SparkSession spark) {
    return new OutputReader(spark).read(output, manifestVersion, false);
  }

  /** The unscorable rows of that version, with {@code error_reason}. */
  public Dataset<Row> errors() {
    return errors(readingSession());
  }

  /** As {@link #errors()}, read with {@code spark}. */
  public Dataset<Row> errors(SparkSession spark) {
    return new OutputReader(spark).read(output, manifestVersion, true);
  }

  private SparkSession readingSession() {
    return session != null ? session : SparkSession.active();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ScoreResult o
        && Objects.equals(runId, o.runId)
        && manifestVersion == o.manifestVersion
        && Objects.equals(output, o.output)
        && rowsIn == o.rowsIn
        && rowsScored == o.rowsScored
        && rowsRejected == o.rowsRejected
        && rowsProcessed == o.rowsProcessed
        && batches == o.batches
        && Objects.equals(shards, o.shards)
        && elapsedMillis == o.elapsedMillis
        && modelMillis == o.modelMillis
        && Objects.equals(modelLoadsByExecutor, o.modelLoadsByExecutor)
        && Objects.equals(devicesByExecutor, o.devicesByExecutor)
        && tasks == o.tasks
        && Objects.equals(changes, o.changes)
        && committed == o.committed;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        runId,
        manifestVersion,
        output,
        rowsIn,
        rowsScored,
        rowsRejected,
        rowsProcessed,
        batches,
        shards,
        elapsedMillis,
        modelMillis,
        modelLoadsByExecutor,
        devicesByExecutor,
        tasks,
        changes,
        committed);
  }

  @Override
  public String toString() {
    return "ScoreResult[runId="
        + runId
        + ", manifestVersion="
        + manifestVersion
        + ", output="
        + output
        + ", rowsIn="
        + rowsIn
        + ", rowsScored="
        + rowsScored
        + ", rowsRejected="
        + rowsRejected
        + ", rowsProcessed="
        + rowsProcessed
        + ", committed="
        + committed
        + "]";
  }
}

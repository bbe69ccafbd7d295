package io.shardscore.job.report;

import io.shardscore.job.change.ShardChange;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The run report written to {@code _shardscore/reports/<run id>.<commit id>.json} after a commit,
 * with its page ({@code .html}, {@link ReportPage}) next to it: what a scheduler or a person needs
 * to judge the run without Spark's UI. Fields a newer writer added read as empty from an older
 * report.
 *
 * @param committedAt when the commit was made (the manifest's time)
 * @param config the effective settings, secrets masked ({@link EffectiveConfig})
 * @param errorReasons the committed error rows by reason, with sample keys ({@link ErrorReasons})
 * @param changes what the run decided for every shard, and why
 */
public record RunReport(
    String runId,
    long manifestVersion,
    String output,
    String modelDigest,
    long rowsIn,
    long rowsScored,
    long rowsRejected,
    long elapsedMillis,
    double rowsPerSecond,
    long modelMillis,
    int tasks,
    Map<String, Integer> modelLoadsByExecutor,
    Map<String, List<String>> devicesByExecutor,
    List<ShardStatus> shards,
    List<Phase> phases,
    StageIo io,
    List<ExecutorMemory> executorMemory,
    String committedAt,
    Map<String, String> config,
    List<ErrorReason> errorReasons,
    List<ShardChange> changes) {
  private static final Logger LOG = LogManager.getLogger(RunReport.class);

  public RunReport {
    modelLoadsByExecutor = modelLoadsByExecutor == null ? Map.of() : modelLoadsByExecutor;
    devicesByExecutor = devicesByExecutor == null ? Map.of() : devicesByExecutor;
    shards = shards == null ? List.of() : List.copyOf(shards);
    phases = phases == null ? List.of() : List.copyOf(phases);
    io = io == null ? StageIo.NONE : io;
    executorMemory = executorMemory == null ? List.of() : List.copyOf(executorMemory);
    config = config == null ? Map.of() : new LinkedHashMap<>(config);
    errorReasons = errorReasons == null ? List.of() : List.copyOf(errorReasons);
    changes = changes == null ? List.of() : List.copyOf(changes);
  }

  public static RunReport of(
      ScoreResult r,
      Manifest m,
      RunObservations observed,
      Map<String, String> config,
      List<ErrorReason> errorReasons) {
    return new RunReport(
        r.runId(),
        r.manifestVersion(),
        r.output(),
        m.model().digest(),
        r.rowsIn(),
        r.rowsScored(),
        r.rowsRejected(),
        r.elapsedMillis(),
        r.rowsPerSecond(),
        r.modelMillis(),
        r.tasks(),
        r.modelLoadsByExecutor(),
        r.devicesByExecutor(),
        r.shards(),
        observed.phases(),
        observed.io(),
        observed.executors(),
        m.committedAt(),
        config,
        errorReasons,
        r.changes());
  }

  /**
   * Writes the report and its page; a failure here is logged, never fails the committed run. The
   * error reasons are read back from the committed {@code _errors} files (only when there are any),
   * the comparison from the previous report of the output.
   */
  public static void write(
      FileSystem fs,
      Path output,
      ScoreResult result,
      Manifest manifest,
      RunObservations observed,
      JobConfig config) {
    long t0 = System.nanoTime();
    ReportFiles files = new ReportFiles(fs, output);
    String name = ReportFiles.baseName(result.runId(), manifest.commitId());
    Path json = files.json(name);
    List<ErrorReason> reasons = List.of();
    try {
      reasons = ErrorReasons.of(fs, output, result, manifest, config.sharding().key());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Committed; the run report lists no error reasons: {}", e.toString());
    }
    RunReport report = of(result, manifest, observed, EffectiveConfig.of(config), reasons);
    try {
      files.writeJson(json, report);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Committed, but could not write the run report {}: {}", json, e.toString());
      return;
    }
    try {
      Path page = files.writePage(name, report, manifest);
      LOG.info("Run report: {} (written in {} ms)", page, (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "Committed, but could not write the run report page {}: {}",
          files.html(name),
          e.toString());
    }
  }
}

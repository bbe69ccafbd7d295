package io.shardscore.job.report;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import io.shardscore.job.store.JsonFiles;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The run report written to {@code _shardscore/reports/<run id>.json} after a commit: what a
 * scheduler or a person needs to judge the run without Spark's UI.
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
    List<ExecutorMemory> executorMemory) {
  private static final Logger LOG = LogManager.getLogger(RunReport.class);

  public static RunReport of(ScoreResult r, Manifest m, RunObservations observed) {
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
        observed.executors());
  }

  /** Writes the report; a failure here is logged, never fails the committed run. */
  public static void write(
      FileSystem fs, Path output, ScoreResult result, Manifest manifest, RunObservations observed) {
    // One report per commit: a run id reused by a retry or backfill never replaces a report.
    String name = result.runId() + (manifest.commitId() == null ? "" : "." + manifest.commitId());
    Path file = new Path(new OutputPaths(output).reports(), name + ".json");
    try {
      JsonFiles.create(fs, file, of(result, manifest, observed), () -> {});
    } catch (IOException e) {
      LOG.warn("Committed, but could not write the run report {}: {}", file, e.toString());
    }
  }
}

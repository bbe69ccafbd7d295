package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.ConcurrentCommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.config.Settings;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.Causes;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.run.PreparedRun;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prepare()} / {@code execute(prepared)}: a prepared run whose base version is no longer the
 * newest (it was executed already, or another writer committed since) must be refused as a
 * concurrent commit, and must not touch the newer commit on its way (its {@code manifest.json}, its
 * files).
 */
class StalePreparedRunTest {
  private static final int SLICES = 3;
  private static final int PER_SLICE = 1_000;
  private static final String RANGES = "0-999,1000-1999,2000-2999";
  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
  }

  /** One Parquet file per shard range, under {@code slice=k/}; {@code ageShift} changes rows. */
  private static void writeSlice(Path input, int s, int ageShift) {
    long lo = (long) s * PER_SLICE;
    DemoData.frame(spark, SLICES * PER_SLICE, 1, false)
        .where(col("customer_id").between(lo, lo + PER_SLICE - 1))
        .withColumn("age", col("age").plus(ageShift))
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(input.resolve("slice=" + s).toString());
  }

  private static JobConfig job(Path input, Path out, String retention) {
    return SparkTestSession.job(input, model, out, RANGES, "")
        .with(Settings.OUTPUT_MODE, OutputMode.INCREMENTAL.configName())
        .with(Settings.OUTPUT_RETENTION, retention);
  }

  /** Version 1 over three slices, then slice 2 changes: the next run has one shard to score. */
  private static Path committedThenChanged(Path input, Path out, String retention) {
    for (int s = 0; s < SLICES; s++) {
      writeSlice(input, s, 0);
    }
    assertEquals(1, Shardscore.job(spark, job(input, out, retention)).execute().manifestVersion());
    writeSlice(input, 2, 7);
    return input;
  }

  private static long pointerVersion(Path out) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    return new ManifestStore(fs, new org.apache.hadoop.fs.Path(out.toUri()))
        .inPlace()
        .orElseThrow()
        .version();
  }

  @Test
  void executingTheSamePreparedRunTwiceIsRefusedAsAConcurrentCommit() throws Exception {
    Path input = dir.resolve("twice-in");
    Path out = dir.resolve("twice-out");
    committedThenChanged(input, out, "0");
    ScoreJob job = Shardscore.job(spark, job(input, out, "0"));
    PreparedRun prepared = job.prepare();
    assertEquals(1, prepared.changes().shardsToScore());
    ScoreResult first = job.execute(prepared);
    assertEquals(2, first.manifestVersion());
    Manifest v2 = Shardscore.manifest(spark, out.toString()).orElseThrow();

    RuntimeException again = assertThrows(RuntimeException.class, () -> job.execute(prepared));
    // The output is fine; what is wrong is the prepared run's base (version 1). The old code could
    // not get here (execute() always prepared afresh); the new API must say what happened, not
    // that "the output was changed outside shardscore; rerun with output.mode: overwrite".
    assertTrue(
        again instanceof ConcurrentCommitException,
        "a stale prepared run is a concurrent commit, got " + again + ": " + again.getMessage());
    assertTrue(
        !Causes.rootMessage(again).contains("outside shardscore"), Causes.rootMessage(again));
    Manifest after = Shardscore.manifest(spark, out.toString()).orElseThrow();
    assertTrue(after.sameCommit(v2), "version 2 is still the newest");
    assertEquals(2, pointerVersion(out));
  }

  @Test
  void aPreparedRunExecutedAfterAnotherCommitLeavesManifestJsonOnTheNewestVersion()
      throws Exception {
    Path input = dir.resolve("other-in");
    Path out = dir.resolve("other-out");
    // Retention keeps version 1's superseded files, so the stale roll-forward of version 1 passes.
    committedThenChanged(input, out, "1h");
    ScoreJob job = Shardscore.job(spark, job(input, out, "1h"));
    PreparedRun prepared = job.prepare();
    // Another writer (the scheduled run) commits version 2 meanwhile.
    assertEquals(2, Shardscore.job(spark, job(input, out, "1h")).execute().manifestVersion());
    assertEquals(2, pointerVersion(out));

    assertThrows(ConcurrentCommitException.class, () -> job.execute(prepared));
    // manifest.json is "a copy of the newest version whose files are all in place"
    // (docs/commit-protocol.md): the stale run must not have put it back to version 1.
    assertEquals(2, pointerVersion(out), "manifest.json after the refused stale run");
  }
}

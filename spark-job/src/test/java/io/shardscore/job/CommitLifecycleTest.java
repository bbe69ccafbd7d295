package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.model.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Row conservation, output modes, the error budget and failures before the commit. */
class CommitLifecycleTest {
  private static final long ROWS = 100_000;
  private static final String RANGES = "0-24999,25000-49999,50000-74999,75000-99999";
  @TempDir static Path dir;
  static Path input;
  static Path model;
  static SparkSession spark;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, ROWS);
    model = SparkTestSession.model(dir);
  }

  @AfterEach
  void disarm() {
    System.clearProperty(FaultInjection.PROPERTY);
  }

  private static JobConfig job(Path out, String extra) {
    return SparkTestSession.job(input, model, out, RANGES, extra);
  }

  /**
   * Visible state of an output: every file except staging and the pending journal of failed runs.
   */
  private static Map<String, String> visible(Path out) {
    Map<String, String> files = new TreeMap<>(SparkTestSession.listing(out));
    files
        .keySet()
        .removeIf(
            k -> k.startsWith("_shardscore/staging/") || k.startsWith("_shardscore/pending/"));
    return files;
  }

  @Test
  void everyInputRowIsCommittedExactlyOnceAsScoredOrError() {
    Path out = dir.resolve("conservation");
    ScoreResult r = Shardscore.job(spark, job(out, "")).execute();
    long defects = DemoData.defectiveRows(ROWS);
    assertEquals(ROWS, r.rowsIn());
    assertEquals(defects, r.rowsRejected());
    assertEquals(ROWS - defects, r.rowsScored());

    Dataset<Row> scored = spark.read().parquet(out.toString());
    Dataset<Row> errors = spark.read().parquet(out.resolve("_errors").toString());
    assertEquals(r.rowsScored(), scored.count(), "a plain Parquet read sees exactly the commit");
    assertEquals(r.rowsRejected(), errors.count());
    assertEquals(scored.count(), scored.select("customer_id").distinct().count(), "no duplicates");
    long keyed = errors.where(col("customer_id").isNotNull()).count();
    long distinctAll =
        scored
            .select("customer_id")
            .union(errors.where(col("customer_id").isNotNull()).select("customer_id"))
            .distinct()
            .count();
    assertEquals(r.rowsScored() + keyed, distinctAll, "no key is both scored and rejected");
    assertEquals(4, errors.select("error_reason").distinct().count());

    Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
    assertEquals(r.rowsScored(), m.totalRows());
    assertEquals(r.rowsRejected(), m.totalErrorRows());
    for (Manifest.ShardEntry s : m.shards()) {
      for (Manifest.FileEntry f : s.files()) {
        assertEquals(
            f.rows(), spark.read().parquet(out.resolve(f.path()).toString()).count(), f.path());
        assertTrue(f.crc32c().matches("[0-9a-f]{8}"));
      }
    }
  }

  @Test
  void everyCommittedFileHoldsKeysOfOneShardOnly() {
    Path out = dir.resolve("one-shard-per-file");
    ScoreResult r = Shardscore.job(spark, job(out, "")).execute();
    assertTrue(
        r.tasks() >= 24, "25,000-row shards with a 4,000-row budget split into 7 tasks each");
    Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
    for (Manifest.ShardEntry s : m.shards()) {
      Manifest.PlannedShard p = m.plan().shards().get(s.id());
      for (Manifest.FileEntry f : s.files()) {
        Row span =
            spark
                .read()
                .parquet(out.resolve(f.path()).toString())
                .selectExpr("min(customer_id)", "max(customer_id)")
                .first();
        assertTrue(span.getLong(0) >= p.first() && span.getLong(1) <= p.last(), f.path());
      }
    }
  }

  @Test
  void theModelIsLoadedOncePerExecutorJvmInAJobOfManyTasks() {
    ModelRegistry.closeAll();
    int before = ModelRegistry.loadCount();
    ScoreResult r = Shardscore.job(spark, job(dir.resolve("loads"), "")).execute();
    assertTrue(r.tasks() >= 20, "tasks: " + r.tasks());
    assertEquals(before + 1, ModelRegistry.loadCount(), "one load for the driver and its executor");
    assertEquals(Map.of("driver", before + 1), r.modelLoadsByExecutor());
  }

  @Test
  void errorIfExistsRefusesAnOutputThatHoldsACommit() {
    Path out = dir.resolve("error-if-exists");
    Shardscore.job(spark, job(out, "")).execute();
    Map<String, String> before = visible(out);
    JobConfigException e =
        assertThrows(JobConfigException.class, () -> Shardscore.job(spark, job(out, "")).execute());
    assertTrue(e.getMessage().contains("already holds committed results"), e.getMessage());
    assertTrue(e.getMessage().contains("overwrite"), e.getMessage());
    assertEquals(before, visible(out));
  }

  @Test
  void overwriteCommitsANewVersionAndRemovesSupersededFiles() {
    Path out = dir.resolve("overwrite");
    ScoreResult first = Shardscore.job(spark, job(out, "")).execute();
    JobConfig second =
        SparkTestSession.job(input, model, out, "0-49999,50000-99999", "")
            .withOutput(new io.shardscore.job.config.OutputConfig(out.toString(), "overwrite"));
    ScoreResult r = Shardscore.job(spark, second).execute();
    Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
    assertEquals(2, m.version());
    assertEquals(1L, m.parentVersion());
    assertNotEquals(first.runId(), r.runId());
    for (String file : visible(out).keySet()) {
      if (file.startsWith("shard=") || file.startsWith("_errors/")) {
        assertTrue(file.contains(r.runId()), "only the new run's files remain: " + file);
      }
    }
    assertEquals(r.rowsScored(), spark.read().parquet(out.toString()).count());
    assertEquals(2, spark.read().parquet(out.toString()).select("shard").distinct().count());
  }

  @Test
  void supersededFilesStayForTheirRetentionThenGo() {
    Path out = dir.resolve("retention");
    ScoreResult first = Shardscore.job(spark, job(out, "")).execute();
    Manifest v1 = Shardscore.manifest(spark, out.toString()).orElseThrow();
    JobConfig keepAnHour =
        job(out, "")
            .withOutput(
                new io.shardscore.job.config.OutputConfig(out.toString(), "overwrite", "1h"));
    Shardscore.job(spark, keepAnHour).execute();
    Manifest v2 = Shardscore.manifest(spark, out.toString()).orElseThrow();
    for (String f : v1.liveFiles()) {
      assertTrue(Files.exists(out.resolve(f)), "kept for readers of version 1: " + f);
    }
    assertEquals(first.rowsScored(), Shardscore.read(spark, out.toString(), 1).count());
    JobConfig deleteAtOnce =
        job(out, "")
            .withOutput(
                new io.shardscore.job.config.OutputConfig(out.toString(), "overwrite", "0"));
    Shardscore.job(spark, deleteAtOnce).execute();
    // Each superseded file keeps the retention of the commit that superseded it: version 1's
    // files stay their hour, version 2's files (superseded with retention 0) go at once.
    for (String f : v2.liveFiles()) {
      assertTrue(!Files.exists(out.resolve(f)), "removed at once: " + f);
    }
    for (String f : v1.liveFiles()) {
      assertTrue(Files.exists(out.resolve(f)), "still within the hour of version 2: " + f);
    }
    assertEquals(first.rowsScored(), Shardscore.read(spark, out.toString()).count());
    assertEquals(first.rowsScored(), Shardscore.read(spark, out.toString(), 1).count());
  }

  @Test
  void exceedingTheErrorBudgetCommitsNothingAndKeepsThePreviousOutput() {
    Path out = dir.resolve("budget");
    Shardscore.job(spark, job(out, "")).execute();
    Map<String, String> before = visible(out);
    JobConfig strict =
        job(out, "scoring:\n  max-error-fraction: 0.00001\n")
            .withOutput(new io.shardscore.job.config.OutputConfig(out.toString(), "overwrite"));
    ScoringFailedException e =
        assertThrows(ScoringFailedException.class, () -> Shardscore.job(spark, strict).execute());
    assertEquals(ScoringFailedException.Reason.ERROR_BUDGET_EXCEEDED, e.reason());
    assertTrue(
        e.getMessage().contains(DemoData.defectiveRows(ROWS) + " of " + ROWS), e.getMessage());
    assertEquals(before, visible(out));
    assertEquals(1, Shardscore.manifest(spark, out.toString()).orElseThrow().version());
  }

  @Test
  void anOverwriteThatFailsInATaskLeavesTheOldOutputIntact() {
    assertFailedOverwriteLeavesOutput("task-partition:5", "overwrite-task-fault");
  }

  @Test
  void anOverwriteThatFailsAfterMovingFilesLeavesTheOldOutputIntact() {
    assertFailedOverwriteLeavesOutput(FaultInjection.BEFORE_MANIFEST, "overwrite-commit-fault");
  }

  private void assertFailedOverwriteLeavesOutput(String fault, String name) {
    Path out = dir.resolve(name);
    ScoreResult first = Shardscore.job(spark, job(out, "")).execute();
    Map<String, String> before = visible(out);
    JobConfig overwrite =
        job(out, "")
            .withOutput(new io.shardscore.job.config.OutputConfig(out.toString(), "overwrite"));
    Throwable e = Faults.crash(fault, () -> Shardscore.job(spark, overwrite).execute());
    assertTrue(e.getMessage().contains("injected fault"), e.getMessage());
    assertEquals(before, visible(out));
    assertEquals(first.rowsScored(), spark.read().parquet(out.toString()).count());
    assertEquals(first.runId(), Shardscore.manifest(spark, out.toString()).orElseThrow().runId());
  }

  @Test
  void strayKeysWithTheFailPolicyStopTheRunBeforeScoring() {
    Path out = dir.resolve("stray");
    JobConfig cfg =
        SparkTestSession.job(input, model, out, "0-49999", "")
            .withSharding(
                new io.shardscore.job.config.ShardingConfig(
                    "customer_id",
                    java.util.List.of(
                        new io.shardscore.job.config.ShardingConfig.NamedRange("low", "0-49999")),
                    null,
                    null,
                    null,
                    "fail",
                    "errors",
                    4000L));
    ScoringFailedException e =
        assertThrows(ScoringFailedException.class, () -> Shardscore.job(spark, cfg).execute());
    assertEquals(ScoringFailedException.Reason.STRAY_KEYS, e.reason());
    assertTrue(e.getMessage().contains("range from 50000 to 99999"), e.getMessage());
    assertTrue(!Files.exists(out.resolve("_shardscore/manifests")));
  }
}

package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.s3.S3Server;
import io.shardscore.job.store.FaultInjection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A run that crashes at any fault point between two durable steps (docs/commit-protocol.md) leaves
 * the output at exactly the previous commit or exactly the new one, deletes nothing of the previous
 * commit before its own commit point, and the rerun commits a result equal by key to a clean run.
 * Each case runs in incremental mode (after an input change in two of the four shards, so there is
 * something to score) and in overwrite mode, on local files, and for the points around the commit
 * point on S3 (S3Proxy on 127.0.0.1).
 *
 * <p>Version 1 of each case is a copy of one committed output, and the expected rows come from two
 * clean runs, so each case costs only the crashed run and its rerun.
 */
class CrashPointTest {
  private static final long ROWS = 8_000;
  private static final String RANGES = "0-1999,2000-3999,4000-5999,6000-7999";
  private static final String BUCKET = "crash-points";

  /** Fault points before the commit point: a crash there leaves version 1. */
  static final List<String> BEFORE_COMMIT =
      List.of(
          FaultInjection.AFTER_JOURNAL,
          "task-partition:1",
          FaultInjection.AFTER_STAGING,
          FaultInjection.BEFORE_MANIFEST,
          FaultInjection.DURING_MANIFEST);

  /** Fault points after the commit point (steps 6-10): a crash there leaves version 2. */
  static final List<String> AFTER_COMMIT =
      List.of(
          FaultInjection.AFTER_MANIFEST,
          FaultInjection.DURING_MOVES + ":1",
          FaultInjection.BEFORE_POINTER,
          FaultInjection.BEFORE_CLEANUP,
          FaultInjection.DURING_CLEANUP + ":1");

  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static Path base;
  static Path changed;
  static CommitChecks.Rows baseRows;
  static CommitChecks.Rows changedRows;
  static String localV1;
  static S3Server s3;
  static String s3V1;

  @BeforeAll
  static void data() throws Exception {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    base = SparkTestSession.customers(dir, ROWS);
    // Two of the four shards change (one feature of every row), one of them with error rows:
    // an incremental run scores two shards, moves three files and supersedes three.
    changed = dir.resolve("customers-changed");
    spark
        .read()
        .parquet(base.toString())
        .withColumn(
            "age",
            when(
                    col("customer_id").between(0, 1999).or(col("customer_id").between(4000, 5999)),
                    col("age").plus(1))
                .otherwise(col("age")))
        .write()
        .parquet(changed.toString());

    // Version 1 of every case is a copy of one committed output (a committed version in place
    // is a tree of files; copying it gives an equal output), to keep the class fast.
    localV1 = dir.resolve("v1").toString();
    ScoreResult v1 = Shardscore.job(spark, job(base, localV1, "incremental")).execute();
    assertEquals(1, v1.manifestVersion());
    baseRows = CommitChecks.visible(spark, localV1);
    String clean = dir.resolve("clean-changed").toString();
    Shardscore.job(spark, job(changed, clean, "incremental")).execute();
    changedRows = CommitChecks.visible(spark, clean);

    s3 = S3Server.start(dir.resolve("s3"));
    s3.createBucket(BUCKET);
    s3.configure(spark, BUCKET);
    s3V1 = "s3a://" + BUCKET + "/v1";
    Shardscore.job(spark, job(base, s3V1, "incremental")).execute();
    CommitChecks.assertSameRows(baseRows, CommitChecks.visible(spark, s3V1), "version 1 on S3");
  }

  @AfterAll
  static void stop() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  private static JobConfig job(Path input, String out, String mode) {
    return SparkTestSession.job(input.toString(), model.toString(), out, RANGES, "")
        .withOutput(new OutputConfig(out, mode));
  }

  static Stream<Arguments> runPoints() {
    return Stream.concat(BEFORE_COMMIT.stream(), AFTER_COMMIT.stream())
        .flatMap(p -> Stream.of(Arguments.of(p, "incremental"), Arguments.of(p, "overwrite")));
  }

  @ParameterizedTest(name = "{0}, {1}, local files")
  @MethodSource("runPoints")
  void aCrashOnLocalFilesLeavesOneWholeCommitAndTheRerunCompletesIt(String point, String mode) {
    crashThenRerun(localV1, dir.resolve("local-" + caseName(point, mode)).toString(), point, mode);
  }

  /**
   * On S3 the points around the commit point, where the store's own operations decide the outcome
   * (the conditional create of the manifest, copy-and-delete moves, the pointer), in incremental
   * mode, and the moves of a whole overwrite. Not the whole list: a commit on S3Proxy costs 10 s or
   * more on this machine (a recursive delete of staging waits on S3Proxy), so the whole list would
   * make the class too slow.
   */
  static Stream<Arguments> s3Points() {
    return Stream.of(
        Arguments.of(FaultInjection.BEFORE_MANIFEST, "incremental"),
        Arguments.of(FaultInjection.DURING_MANIFEST, "incremental"),
        Arguments.of(FaultInjection.AFTER_MANIFEST, "incremental"),
        Arguments.of(FaultInjection.DURING_MOVES + ":1", "incremental"),
        Arguments.of(FaultInjection.BEFORE_POINTER, "incremental"),
        Arguments.of(FaultInjection.BEFORE_CLEANUP, "incremental"),
        Arguments.of(FaultInjection.DURING_MOVES + ":1", "overwrite"));
  }

  @ParameterizedTest(name = "{0}, {1}, S3")
  @MethodSource("s3Points")
  void aCrashOnS3LeavesOneWholeCommitAndTheRerunCompletesIt(String point, String mode) {
    crashThenRerun(s3V1, "s3a://" + BUCKET + "/" + caseName(point, mode), point, mode);
  }

  private static String caseName(String point, String mode) {
    return point.replace(':', '-') + "-" + mode;
  }

  private static void crashThenRerun(String v1Template, String out, String point, String mode) {
    CommitChecks.copy(spark, v1Template, out);
    Manifest v1 = Shardscore.manifest(spark, out).orElseThrow();
    assertEquals(1, v1.version());
    Map<String, Long> before = CommitChecks.files(spark, out);
    boolean incremental = mode.equals("incremental");
    Path input = incremental ? changed : base;
    CommitChecks.Rows expectedNew = incremental ? changedRows : baseRows;
    String at = "crash at " + point + " (" + mode + ", " + out + ")";

    // The crash.
    Throwable crash =
        CommitChecks.crashAt(point, () -> Shardscore.job(spark, job(input, out, mode)).execute());
    assertNotNull(crash, "the run must stop at fault point " + point + ", but it committed");
    if (point.startsWith("task-partition:")) {
      ScoringFailedException e = assertInstanceOf(ScoringFailedException.class, crash);
      assertEquals(ScoringFailedException.Reason.TASK_FAILED, e.reason(), e.getMessage());
    } else {
      assertInstanceOf(FaultInjection.InjectedCrash.class, crash, CommitChecks.messages(crash));
      assertTrue(crash.getMessage().contains("'" + point + "'"), crash.getMessage());
    }

    // The invariant after the crash.
    Manifest m = Shardscore.manifest(spark, out).orElseThrow();
    boolean old = m.equals(v1);
    System.out.printf(
        "observed: %s left version %d (%s)%n", at, m.version(), old ? "the previous" : "new");
    if (BEFORE_COMMIT.contains(point)) {
      assertTrue(old, at + " happens before the commit point: version 1 must stay, got " + m);
    } else {
      assertFalse(old, at + " happens after the commit point: the new version must stay");
    }
    if (!old) {
      assertEquals(2, m.version(), at + ": the newest manifest is version 1 or version 2");
      assertEquals(1L, m.parentVersion(), at);
    }
    CommitChecks.assertSameRows(
        old ? baseRows : expectedNew,
        CommitChecks.visible(spark, out),
        at + ": the visible output (version " + m.version() + ")");
    CommitChecks.assertListedFilesIntact(spark, out, m, !old, at);
    if (old) {
      CommitChecks.assertNothingDeleted(before, CommitChecks.files(spark, out), at);
    }
    Set<String> leftovers = CommitChecks.attemptLeftovers(spark, out);

    // The rerun, without the fault.
    ScoreResult rerun = Shardscore.job(spark, job(input, out, mode)).execute();
    if (old) {
      assertTrue(rerun.committed(), at + ": the rerun commits");
      assertEquals(2, rerun.manifestVersion(), at);
    } else if (incremental) {
      assertFalse(rerun.committed(), at + ": version 2 already holds the change; nothing to do");
      assertEquals(2, rerun.manifestVersion(), at);
    } else {
      assertTrue(rerun.committed(), at + ": an overwrite rerun commits again");
      assertEquals(3, rerun.manifestVersion(), at);
    }
    Manifest after = Shardscore.manifest(spark, out).orElseThrow();
    assertEquals(rerun.manifestVersion(), after.version(), at);
    String then = at + ", then the rerun";
    CommitChecks.Rows visible = CommitChecks.visible(spark, out);
    // The crashed attempt's journal and staging are gone once a commit moved its files into place
    // (its own, or the rerun's that resumed its shards); otherwise they may stay (for 7 days).
    Set<String> remaining = CommitChecks.attemptLeftovers(spark, out);
    boolean superseded =
        !old || rerun.shards().stream().anyMatch(s -> s.status().equals("resumed"));
    // Every guarantee is checked and reported, also when an earlier one fails.
    assertAll(
        then,
        () -> CommitChecks.assertSameRows(expectedNew, visible, "the visible output"),
        () -> CommitChecks.assertListedFilesIntact(spark, out, after, false, "every file in place"),
        () -> CommitChecks.assertPointerIsNewest(spark, out, after),
        () -> CommitChecks.assertPlainReadSeesExactly(spark, out, after, visible),
        () -> {
          if (superseded) {
            assertEquals(
                Set.of(),
                remaining,
                "no journal or staging remains (the crash left " + leftovers + ")");
          } else {
            assertTrue(
                leftovers.containsAll(remaining),
                "only the crashed attempt's journal and staging may remain: " + remaining);
          }
        });
  }
}

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
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.s3.S3Server;
import io.shardscore.job.store.FaultInjection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two attempts of the same job race for the same output: both score, both are held at the commit
 * point by a barrier and released together, so both try to create {@code v2.json}. Exactly one
 * commits; the other fails with a clear error and leaves the winner's files alone
 * (docs/commit-protocol.md, step 7). The same holds when both use the same {@code --run-id} (an
 * Airflow retry whose first driver is still alive) and when a run id is reused after a failure.
 */
class ConcurrentWritersTest {
  private static final long ROWS = 8_000;
  private static final String RANGES = "0-1999,2000-3999,4000-5999,6000-7999";
  private static final String BUCKET = "concurrent-writers";

  /** Generous: both writers reach the commit point within seconds; a hang fails the test. */
  private static final long BARRIER_SECONDS = 120;

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
    localV1 = dir.resolve("v1").toString();
    Shardscore.job(spark, job(base, localV1)).execute();
    baseRows = CommitChecks.visible(spark, localV1);
    String clean = dir.resolve("clean-changed").toString();
    Shardscore.job(spark, job(changed, clean)).execute();
    changedRows = CommitChecks.visible(spark, clean);

    s3 = S3Server.start(dir.resolve("s3"));
    s3.createBucket(BUCKET);
    s3.configure(spark, BUCKET);
    s3V1 = "s3a://" + BUCKET + "/v1";
    Shardscore.job(spark, job(base, s3V1)).execute();
  }

  @AfterAll
  static void stop() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  private static JobConfig job(Path input, String out) {
    return SparkTestSession.job(input.toString(), model.toString(), out, RANGES, "")
        .withOutput(new OutputConfig(out, "incremental"));
  }

  private static ScoreJob writer(String out, String runId) {
    ScoreJob j = Shardscore.job(spark, job(changed, out));
    return runId == null ? j : j.runId(runId);
  }

  static Stream<Arguments> races() {
    return Stream.of(
        Arguments.of("local", true),
        Arguments.of("local", false),
        Arguments.of("s3", true),
        Arguments.of("s3", false));
  }

  /** What one writer thread ended with. */
  private record Outcome(String name, ScoreResult result, Throwable failure) {
    @Override
    public String toString() {
      return name
          + (result != null
              ? " committed=" + result.committed() + " version " + result.manifestVersion()
              : " failed: " + CommitChecks.messages(failure));
    }
  }

  @ParameterizedTest(name = "{0}, same run id: {1}")
  @MethodSource("races")
  void exactlyOneOfTwoWritersReleasedTogetherAtTheCommitPointCommits(String store, boolean sameId)
      throws Exception {
    String out =
        (store.equals("s3") ? "s3a://" + BUCKET : dir.toString())
            + "/race-"
            + (sameId ? "same-run-id" : "two-run-ids");
    CommitChecks.copy(spark, store.equals("s3") ? s3V1 : localV1, out);
    assertEquals(1, Shardscore.manifest(spark, out).orElseThrow().version());
    String idA = sameId ? "2026-11-23" : "writer-a";
    String idB = sameId ? "2026-11-23" : "writer-b";

    List<Outcome> outcomes = race(out, idA, idB);
    String what = "two writers (" + store + ", run ids " + idA + "/" + idB + "): " + outcomes;
    System.out.println("observed: " + what);

    List<Outcome> won = outcomes.stream().filter(o -> o.result() != null).toList();
    List<Outcome> lost = outcomes.stream().filter(o -> o.failure() != null).toList();
    Manifest m = Shardscore.manifest(spark, out).orElseThrow();
    // Every guarantee is checked and reported, also when an earlier one fails.
    assertAll(
        what,
        () -> assertEquals(1, won.size(), "exactly one writer commits"),
        () -> {
          for (Outcome w : won) {
            assertTrue(w.result().committed() && w.result().manifestVersion() == 2, w.toString());
          }
        },
        () -> {
          for (Outcome l : lost) {
            assertLoserFailedClearly(l.failure());
          }
        },
        () -> assertEquals(2, m.version(), "the newest manifest"),
        () -> {
          CommitChecks.Rows visible = CommitChecks.visible(spark, out);
          CommitChecks.assertSameRows(changedRows, visible, "the committed output");
          CommitChecks.assertPlainReadSeesExactly(spark, out, m, visible);
        },
        () -> CommitChecks.assertListedFilesIntact(spark, out, m, false, "the committed output"),
        () -> assertLosersFilesStayOutside(out, m, "the loser's files"));

    // The loser, run again: nothing left to do (or a version 3); the output is still complete.
    ScoreResult rerun = writer(out, lost.get(0).name()).execute();
    assertTrue(
        rerun.committed() ? rerun.manifestVersion() == 3 : rerun.manifestVersion() == 2,
        "the loser's rerun commits version 3 or finds nothing to do: committed="
            + rerun.committed()
            + " version "
            + rerun.manifestVersion());
    Manifest after = Shardscore.manifest(spark, out).orElseThrow();
    CommitChecks.Rows again = CommitChecks.visible(spark, out);
    CommitChecks.assertSameRows(changedRows, again, what + ", then the loser's rerun");
    CommitChecks.assertListedFilesIntact(spark, out, after, false, what + ", then the rerun");
    CommitChecks.assertPlainReadSeesExactly(spark, out, after, again);
  }

  /** The loser reached the commit point and was told that another run committed first. */
  private static void assertLoserFailedClearly(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      assertFalse(
          c instanceof BarrierFailure,
          "the loser must fail at the commit, not before reaching it: "
              + CommitChecks.messages(failure));
    }
    String message = failure.getMessage() == null ? "" : failure.getMessage();
    String lower = message.toLowerCase(Locale.ROOT);
    assertTrue(
        lower.contains("version 2")
            && lower.contains("rerun")
            && (lower.contains("another run")
                || lower.contains("another attempt")
                || lower.contains("another writer")),
        "the loser's error says another run committed version 2 first, and to rerun: " + message);
  }

  /**
   * The loser keeps its staged files (for resume) under its own staging folder; none of them is
   * listed by the committed manifest or lies under {@code shard=*}/.
   */
  private static void assertLosersFilesStayOutside(String out, Manifest m, String what) {
    Map<String, Long> files = CommitChecks.files(spark, out);
    Set<String> staged = new TreeSet<>();
    files
        .keySet()
        .forEach(
            f -> {
              if (f.startsWith(CommitChecks.STAGING) && f.endsWith(".parquet")) {
                staged.add(f.substring(f.lastIndexOf('/') + 1));
              }
            });
    assertFalse(
        staged.isEmpty(),
        what + ": the loser's staged files are kept for resume, found none under staging");
    Set<String> listed = new TreeSet<>();
    m.liveFiles().forEach(f -> listed.add(f.substring(f.lastIndexOf('/') + 1)));
    Set<String> listedStaged = new TreeSet<>(staged);
    listedStaged.retainAll(listed);
    assertEquals(Set.of(), listedStaged, what + ": the manifest lists none of the loser's files");
    List<String> placed = new ArrayList<>();
    files
        .keySet()
        .forEach(
            f -> {
              boolean live = f.startsWith("shard=") || f.startsWith("_errors/shard=");
              if (live && staged.contains(f.substring(f.lastIndexOf('/') + 1))) {
                placed.add(f);
              }
            });
    assertEquals(List.of(), placed, what + ": none of the loser's files is under shard=*/");
  }

  /** A writer could not reach the barrier partner: a test failure, not a commit outcome. */
  private static final class BarrierFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BarrierFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Runs the two writers in two threads on the shared session, holding each at {@code
   * before-manifest} until both are there. A writer that fails before reaching the barrier breaks
   * it, so the other does not wait out the timeout.
   */
  private static List<Outcome> race(String out, String idA, String idB) throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(2);
    ThreadLocal<Boolean> arrived = ThreadLocal.withInitial(() -> false);
    Runnable hold =
        () -> {
          arrived.set(true);
          try {
            barrier.await(BARRIER_SECONDS, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BarrierFailure("interrupted at the commit point", e);
          } catch (BrokenBarrierException | TimeoutException e) {
            throw new BarrierFailure(
                "the other writer never reached the commit point (it failed earlier, or it did"
                    + " not pass "
                    + FaultInjection.BEFORE_MANIFEST
                    + " within "
                    + BARRIER_SECONDS
                    + " s)",
                e);
          }
        };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (AutoCloseable hook = FaultInjection.pauseAt(FaultInjection.BEFORE_MANIFEST, hold)) {
      List<Future<Outcome>> futures = new ArrayList<>();
      for (String id : List.of(idA, idB)) {
        futures.add(
            pool.submit(
                () -> {
                  try {
                    return new Outcome(id, writer(out, id).execute(), null);
                  } catch (Throwable t) {
                    if (!arrived.get()) {
                      // Trips the barrier if the other writer waits there; breaks it otherwise.
                      try {
                        barrier.await(0, TimeUnit.NANOSECONDS);
                      } catch (BrokenBarrierException | TimeoutException ignored) {
                        // the other writer now fails fast at the barrier
                      }
                    }
                    return new Outcome(id, null, t);
                  } finally {
                    arrived.remove();
                  }
                }));
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> f : futures) {
        outcomes.add(f.get(2 * BARRIER_SECONDS + 60, TimeUnit.SECONDS));
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "writer threads ended");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aRunIdReusedAfterAFailureKeepsThePreviousCommitAndTheRetryCommits(String store) {
    String root = store.equals("s3") ? "s3a://" + BUCKET : dir.toString();
    String out = root + "/run-id-reuse";
    String runId = "2026-11-23";
    ScoreResult first = Shardscore.job(spark, job(base, out)).runId(runId).execute();
    assertEquals(1, first.manifestVersion());
    Manifest v1 = Shardscore.manifest(spark, out).orElseThrow();
    Map<String, Long> before = CommitChecks.files(spark, out);
    String what = "run id " + runId + " reused (" + store + ")";

    Throwable crash =
        CommitChecks.crashAt(
            FaultInjection.BEFORE_MANIFEST,
            () -> Shardscore.job(spark, job(changed, out)).runId(runId).execute());
    assertNotNull(crash, what + ": the second run must stop at before-manifest");
    assertInstanceOf(FaultInjection.InjectedCrash.class, crash, CommitChecks.messages(crash));
    System.out.println(
        "observed: "
            + what
            + ", failed at before-manifest: files of version 1 now "
            + CommitChecks.files(spark, out).keySet().stream()
                .filter(f -> v1.liveFiles().contains(f))
                .count()
            + " of "
            + v1.liveFiles().size());
    assertEquals(v1, Shardscore.manifest(spark, out).orElseThrow(), what + ": still version 1");
    CommitChecks.assertListedFilesIntact(spark, out, v1, false, what + ", after the failure");
    CommitChecks.assertNothingDeleted(before, CommitChecks.files(spark, out), what);
    CommitChecks.Rows visible = CommitChecks.visible(spark, out);
    CommitChecks.assertSameRows(baseRows, visible, what + ": the visible output after the failure");
    CommitChecks.assertPlainReadSeesExactly(spark, out, v1, visible);

    ScoreResult retry;
    try {
      retry = Shardscore.job(spark, job(changed, out)).runId(runId).execute();
    } catch (RuntimeException e) {
      System.out.println("observed: " + what + ", the retry failed: " + CommitChecks.messages(e));
      throw e;
    }
    assertTrue(retry.committed(), what + ": the retry commits");
    assertEquals(2, retry.manifestVersion(), what);
    Manifest v2 = Shardscore.manifest(spark, out).orElseThrow();
    CommitChecks.Rows after = CommitChecks.visible(spark, out);
    CommitChecks.assertSameRows(changedRows, after, what + ": the retry's output");
    CommitChecks.assertListedFilesIntact(spark, out, v2, false, what + ", after the retry");
    CommitChecks.assertPlainReadSeesExactly(spark, out, v2, after);
  }

  static Stream<String> stores() {
    return Stream.of("local", "s3");
  }

  @Test
  void aPauseHookRunsAtItsPointUntilItsHandleRemovesIt() {
    // Guards the test's own machinery: a pause hook runs in the thread that reaches the point and
    // is removed by its handle, so no other test sees it.
    List<String> seen = new ArrayList<>();
    try (AutoCloseable h =
        FaultInjection.pauseAt(FaultInjection.BEFORE_MANIFEST, () -> seen.add("held"))) {
      FaultInjection.check(FaultInjection.BEFORE_MANIFEST);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    FaultInjection.check(FaultInjection.BEFORE_MANIFEST);
    assertEquals(List.of("held"), seen);
  }
}

package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.store.FaultInjection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of docs/commit-protocol.md and the README's incremental/resume claims: each test is a
 * break found by running the job, and FAILS on the code it was written against.
 */
class ReviewBreaksTest {
  private static final String RANGES = "0-999,1000-1999";
  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static Path v1;
  static Path v2;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    v1 = dir.resolve("input-v1");
    DemoData.frame(spark, 2_000, 2, false).write().parquet(v1.toString());
    // Every row of both shards changes (one feature + 1).
    v2 =
        write(
            "input-v2", spark.read().parquet(v1.toString()).withColumn("age", col("age").plus(1)));
  }

  @AfterEach
  void disarm() {
    System.clearProperty(FaultInjection.PROPERTY);
  }

  private static Path write(String name, Dataset<Row> frame) {
    Path p = dir.resolve(name);
    frame.write().mode(SaveMode.Overwrite).parquet(p.toString());
    return p;
  }

  private static JobConfig job(Path input, Path out) {
    return SparkTestSession.job(input, model, out, RANGES, "")
        .withOutput(new OutputConfig(out.toString(), "incremental"));
  }

  /** Listed files of the newest manifest that are not at their final path. */
  private static List<String> missingFiles(Path out) {
    Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
    List<String> missing = new ArrayList<>();
    for (Manifest.FileEntry f : m.allFiles()) {
      if (!Files.exists(out.resolve(f.path()))) {
        missing.add(f.path());
      }
    }
    return missing;
  }

  /**
   * Break 1: writer B commits v2 resuming shard X from a crashed attempt A; writer D starts after
   * that commit (base v2) and resumes shard Y from the same attempt A. B's cleanup (step 10) then
   * deletes A's whole staging folder, including Y's staged files, which D's committed v3 lists as
   * moves. D still reports success; v3 lists files that exist nowhere, and every later run fails.
   */
  @Test
  void cleanupOfAResumedAttemptDeletesStagedFilesAnotherWriterResumed() throws Exception {
    Path out = dir.resolve("cleanup-race");
    Shardscore.job(spark, job(v1, out)).execute(); // v1

    // Attempt A scores both changed shards, then dies before the commit.
    Faults.crash(FaultInjection.AFTER_STAGING, () -> Shardscore.job(spark, job(v2, out)).execute());

    // Writer B: '--shards 0-999' resumes 0-999 from A and commits v2; held before its cleanup.
    CountDownLatch bAtCleanup = new CountDownLatch(1);
    CountDownLatch releaseB = new CountDownLatch(1);
    AtomicReference<Throwable> bFailed = new AtomicReference<>();
    AtomicReference<ScoreResult> bResult = new AtomicReference<>();
    Thread b =
        new Thread(
            () -> {
              try {
                bResult.set(Shardscore.job(spark, job(v2, out)).shards(Set.of("0-999")).execute());
              } catch (Throwable t) {
                bFailed.set(t);
              } finally {
                bAtCleanup.countDown();
              }
            },
            "writer-b");
    ScoreResult d;
    try (AutoCloseable holdB =
        FaultInjection.pauseAt(
            FaultInjection.BEFORE_CLEANUP,
            () -> {
              if (Thread.currentThread() == b) {
                bAtCleanup.countDown();
                awaitQuietly(releaseB);
              }
            })) {
      b.start();
      bAtCleanup.await();
      assertEquals(null, bFailed.get(), "writer B committed");
      assertEquals(2, Shardscore.manifest(spark, out.toString()).orElseThrow().version());

      // Writer D: an incremental run based on v2 resumes 1000-1999 from A; B's cleanup runs
      // between D's resume decision and D's commit.
      Thread main = Thread.currentThread();
      try (AutoCloseable releaseAtCommit =
          FaultInjection.pauseAt(
              FaultInjection.BEFORE_MANIFEST,
              () -> {
                if (Thread.currentThread() == main) {
                  releaseB.countDown();
                  joinQuietly(b);
                }
              })) {
        d = Shardscore.job(spark, job(v2, out)).execute();
      }
    } finally {
      releaseB.countDown();
      b.join();
    }
    assertEquals(null, bFailed.get(), "writer B: " + bFailed.get());
    assertTrue(d.committed());
    assertEquals(3, d.manifestVersion());
    assertTrue(
        d.shards().stream()
            .anyMatch(s -> s.name().equals("1000-1999") && s.status().equals("resumed")),
        "D resumed 1000-1999 from A: " + d.shards());

    // Expected: a committed version is complete. Actual: v3 lists 1000-1999's files, which B's
    // cleanup deleted from A's staging before D moved them.
    assertEquals(List.of(), missingFiles(out), "every file of the committed v3 exists");
    assertDoesNotThrow(() -> Shardscore.job(spark, job(v2, out)).execute(), "a later run works");
  }

  /**
   * Break 2: a column's type changes (int -> bigint) with equal values. The fingerprint encodes
   * integral types as long, and neither the settings digest nor the change plan looks at column
   * types, so an incremental run sees every shard unchanged and keeps files of the old schema; a
   * clean run writes the new schema. After a later content change of one shard, the committed
   * output mixes both schemas.
   */
  @Test
  void aColumnTypeChangeIsNotSeenByIncrementalRuns() {
    Path out = dir.resolve("type-change");
    Shardscore.job(spark, job(v1, out)).execute();
    Path widened =
        write(
            "input-widened",
            spark.read().parquet(v1.toString()).withColumn("age", col("age").cast("bigint")));
    ScoreResult r = Shardscore.job(spark, job(widened, out)).execute();

    Path clean = dir.resolve("type-change-clean");
    Shardscore.job(spark, job(widened, clean)).execute();
    DataType cleanType = Shardscore.read(spark, clean.toString()).schema().apply("age").dataType();
    assertEquals(DataTypes.LongType, cleanType);

    // One shard's content changes too: it is rescored with the new type, the other is kept.
    Path oneShard =
        write(
            "input-widened-2",
            spark
                .read()
                .parquet(widened.toString())
                .withColumn(
                    "age",
                    when(col("customer_id").lt(1000), col("age").plus(1)).otherwise(col("age"))));
    Shardscore.job(spark, job(oneShard, out)).execute();
    Set<String> types = new java.util.TreeSet<>();
    for (Manifest.ShardEntry s :
        Shardscore.manifest(spark, out.toString()).orElseThrow().shards()) {
      for (Manifest.FileEntry f : s.files()) {
        types.add(
            spark
                .read()
                .parquet(out.resolve(f.path()).toString())
                .schema()
                .apply("age")
                .dataType()
                .sql());
      }
    }
    assertEquals(
        Set.of("BIGINT"),
        types,
        "incremental run after a type change ("
            + r.shards()
            + "): every committed file has the input's type, as a clean run writes");
  }

  /**
   * Break 3: a crash after the commit, before step 10 (fault before-cleanup), leaves the committed
   * attempt's journal and staging folder. The protocol says the next sweep removes such leftovers,
   * but a later commit removes only its own journal, the journals it resumed from and journals
   * older than 7 days: the committed attempt's journal (whose shards can never be resumed, their
   * files were moved) stays for 7 days, and meanwhile every full run fingerprints its whole input
   * because a journal exists.
   */
  @Test
  void leftoversOfACrashBeforeCleanupAreRemovedByTheNextCommit() throws Exception {
    Path out = dir.resolve("before-cleanup");
    Shardscore.job(spark, job(v1, out)).execute();
    Faults.crash(
        FaultInjection.BEFORE_CLEANUP, () -> Shardscore.job(spark, job(v2, out)).execute());
    assertEquals(2, Shardscore.manifest(spark, out.toString()).orElseThrow().version());

    ScoreResult next = Shardscore.job(spark, job(v1, out)).execute();
    assertTrue(next.committed());
    assertEquals(3, next.manifestVersion());
    assertEquals(
        List.of(),
        listNames(out.resolve("_shardscore/pending")),
        "the next commit removed the committed attempt's journal");
    assertEquals(
        List.of(),
        listNames(out.resolve("_shardscore/staging")),
        "the next commit removed the committed attempt's staging");
  }

  private static List<String> listNames(Path folder) throws java.io.IOException {
    if (!Files.exists(folder)) {
      return List.of();
    }
    try (var s = Files.list(folder)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.shardscore.job.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.sync.StoreSync;
import io.shardscore.job.sync.SyncResult;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileUtil;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs reading and writing {@code s3a://} on a real S3-protocol server (S3Proxy on 127.0.0.1), and
 * what happens when that store fails: a PUT refused once, PUTs refused from some point on, the
 * server going down mid-run and coming back. Each bucket has its own settings (and its own cached
 * Hadoop file system), so the tests do not share a store state.
 */
class S3StoreTest {
  private static final long ROWS = 8_000;
  private static final String RANGES = "0-1999,2000-3999,4000-5999,6000-7999";

  /**
   * The most PUTs of staged files a run can have refused with the fail-fast settings ({@link
   * S3Server#configure}: {@code attempts.maximum=1}, {@code retry.throttle.limit=2}): each of the
   * at most 6 tasks (4 ranges, unmatched, null-key) writes at most 2 files (scores, errors), and
   * each PUT is tried at most 3 times. S3A's defaults retry each PUT for minutes, far beyond this.
   * README.md ("Fail fast") states this bound; keep the two equal. Counted, not timed: a loaded
   * machine slows the run, not the count.
   */
  private static final int FAIL_FAST_REFUSED_PUTS = 6 * 2 * 3;

  @TempDir static Path dir;
  static S3Server s3;
  static SparkSession spark;
  static Path localInput;
  static Path localModel;

  @BeforeAll
  static void store() throws Exception {
    spark = SparkTestSession.get();
    s3 = S3Server.start(dir.resolve("s3"));
    localInput = SparkTestSession.customers(dir, ROWS);
    localModel = SparkTestSession.model(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
  }

  /** A bucket of its own holding the demo input and the model. */
  private static String bucket(String name) throws Exception {
    s3.createBucket(name);
    s3.configure(spark, name);
    Configuration conf = io.shardscore.job.store.SessionHadoopConf.of(spark);
    org.apache.hadoop.fs.Path model =
        new org.apache.hadoop.fs.Path("s3a://" + name + "/churn.onnx");
    FileUtil.copy(new File(localModel.toString()), model.getFileSystem(conf), model, false, conf);
    spark.read().parquet(localInput.toString()).write().parquet("s3a://" + name + "/customers");
    return "s3a://" + name;
  }

  private static ScoreResult score(String root, String output, String mode) {
    return Shardscore.job(
            spark,
            SparkTestSession.job(root + "/customers", root + "/churn.onnx", output, RANGES, ""))
        .mode(io.shardscore.job.config.OutputMode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)))
        .execute();
  }

  /** Every row once: as many rows as distinct keys, all input rows accounted for. */
  private static void assertEveryRowOnce(String output) {
    Dataset<Row> scored = Shardscore.read(spark, output);
    Dataset<Row> errors = Shardscore.readErrors(spark, output);
    long rows = scored.count();
    assertEquals(rows, scored.select("customer_id").distinct().count(), "no duplicate rows");
    assertEquals(ROWS, rows + errors.count(), "every input row is scored or in errors");
  }

  private static Predicate<String> stagedData() {
    return key -> key.contains("_shardscore/staging/") && key.endsWith(".parquet");
  }

  private static List<String> staging(String bucket) throws Exception {
    Path folder = s3.folder().resolve(bucket);
    try (Stream<Path> files = Files.walk(folder)) {
      return files
          .filter(Files::isRegularFile)
          .map(f -> folder.relativize(f).toString())
          .filter(f -> f.contains("_shardscore/staging/"))
          .toList();
    }
  }

  @Test
  void aModelFolderOnS3WithASubfolderIsDigestedCopiedAndRescoredLikeALocalOne() throws Exception {
    String root = bucket("folder-model");
    Path local = Files.createDirectories(dir.resolve("folder-model/sub"));
    Files.copy(localModel, local.getParent().resolve("churn.onnx"));
    Files.writeString(local.getParent().resolve("synset.txt"), "stays\nchurns\n");
    Files.writeString(local.getParent().resolve("notes.txt"), "v1");
    Files.writeString(local.resolve("extra.bin"), "one");
    Configuration conf = io.shardscore.job.store.SessionHadoopConf.of(spark);
    org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(root + "/model");
    FileUtil.copy(local.getParent().toFile(), folder.getFileSystem(conf), folder, false, conf);
    String output = dir.resolve("folder-model-out").toString();
    io.shardscore.job.config.JobConfig job =
        SparkTestSession.job(root + "/customers", root + "/model", output, RANGES, "");
    ScoreResult first =
        Shardscore.job(spark, job).mode(io.shardscore.job.config.OutputMode.INCREMENTAL).execute();
    Manifest m = Shardscore.manifest(spark, output).orElseThrow();
    assertEquals(
        io.shardscore.model.ModelDigest.of(
            io.shardscore.model.ModelEngine.ONNX_RUNTIME,
            io.shardscore.model.ModelFiles.local(local.getParent().resolve("churn.onnx")),
            List.of("notes.txt", "sub/extra.bin", "synset.txt")),
        m.model().digest(),
        "the folder on s3a has the digest of the same files on disk");
    assertEquals(
        java.util.Set.of("stays", "churns"),
        java.util.Set.copyOf(
            Shardscore.read(spark, output)
                .select("label_name")
                .distinct()
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList()));
    assertTrue(first.rowsScored() > 0);
    ScoreResult again =
        Shardscore.job(spark, job).mode(io.shardscore.job.config.OutputMode.INCREMENTAL).execute();
    assertEquals(0, again.changes().stream().filter(c -> c.status().scores()).count());
    // A file in the subfolder changes on the store: a new model, every shard rescored.
    Files.writeString(local.resolve("extra.bin"), "two");
    folder
        .getFileSystem(conf)
        .copyFromLocalFile(
            false,
            true,
            new org.apache.hadoop.fs.Path(local.resolve("extra.bin").toUri()),
            new org.apache.hadoop.fs.Path(folder, "sub/extra.bin"));
    ScoreResult changed =
        Shardscore.job(spark, job).mode(io.shardscore.job.config.OutputMode.INCREMENTAL).execute();
    assertEquals(
        changed.changes().size(),
        changed.changes().stream().filter(c -> c.status().scores()).count());
    assertEveryRowOnce(output);
  }

  @Test
  void scoresFromS3ToS3AndSyncsBetweenTheStoreAndDisk() throws Exception {
    String root = bucket("lake");
    ScoreResult r = score(root, root + "/scores", "overwrite");
    assertEquals(ROWS, r.rowsIn());
    assertEveryRowOnce(root + "/scores");
    assertTrue(staging("lake").isEmpty(), "nothing left in staging: " + staging("lake"));

    StoreSync sync = new StoreSync(io.shardscore.job.store.SessionHadoopConf.of(spark));
    String onPrem = dir.resolve("on-prem").toUri().toString();
    SyncResult down = sync.sync(root + "/scores", onPrem, false);
    assertEquals(6, down.shardsCopied().size(), "4 ranges + unmatched + null-key: " + down);
    assertEquals(
        Shardscore.manifest(spark, root + "/scores").orElseThrow().shards(),
        Shardscore.manifest(spark, onPrem).orElseThrow().shards());
    assertEveryRowOnce(onPrem);

    s3.createBucket("lake-copy");
    s3.configure(spark, "lake-copy");
    sync = new StoreSync(io.shardscore.job.store.SessionHadoopConf.of(spark));
    SyncResult up = sync.sync(onPrem, "s3a://lake-copy/scores", false);
    assertEquals(6, up.shardsCopied().size(), up.toString());
    assertTrue(sync.sync(onPrem, "s3a://lake-copy/scores", false).upToDate());
    assertEveryRowOnce("s3a://lake-copy/scores");
  }

  @Test
  void aSecondSyncToS3FastForwardsTheCopyAndRemovesWhatItSupersedes() throws Exception {
    s3.createBucket("lake-ff");
    s3.configure(spark, "lake-ff");
    Path local = dir.resolve("ff-local");
    String target = "s3a://lake-ff/scores";
    Shardscore.job(spark, SparkTestSession.job(localInput, localModel, local, RANGES, ""))
        .mode(io.shardscore.job.config.OutputMode.OVERWRITE)
        .execute();
    StoreSync sync = new StoreSync(io.shardscore.job.store.SessionHadoopConf.of(spark));
    assertEquals(1, sync.sync(local.toUri().toString(), target, false).targetVersion());
    Manifest v1 = Shardscore.manifest(spark, target).orElseThrow();

    Shardscore.job(spark, SparkTestSession.job(localInput, localModel, local, RANGES, ""))
        .mode(io.shardscore.job.config.OutputMode.OVERWRITE)
        .execute();
    SyncResult second = sync.sync(local.toUri().toString(), target, false);
    assertEquals(2, second.targetVersion(), second.toString());
    Manifest source = Shardscore.manifest(spark, local.toString()).orElseThrow();
    Manifest copy = Shardscore.manifest(spark, target).orElseThrow();
    assertTrue(source.sameCommit(copy), "the bucket holds the source's version 2: " + copy);
    assertEquals(source.shards(), copy.shards());
    assertEveryRowOnce(target);
    assertTrue(staging("lake-ff").isEmpty(), "sync staging removed: " + staging("lake-ff"));
    Path bucket = s3.folder().resolve("lake-ff").resolve("scores");
    for (String f : v1.liveFiles()) {
      assertFalse(Files.exists(bucket.resolve(f)), "superseded on the target: " + f);
    }
    for (String f : copy.liveFiles()) {
      assertTrue(Files.exists(bucket.resolve(f)), "in place: " + f);
    }
    assertTrue(sync.sync(local.toUri().toString(), target, false).upToDate());
  }

  @Test
  void aPutRefusedOnceIsRetriedAndEveryRowLandsOnce() throws Exception {
    String root = bucket("flaky");
    s3.failPuts(stagedData(), 2, 1);
    try {
      score(root, root + "/scores", "overwrite");
    } finally {
      s3.clearFaults();
    }
    assertEveryRowOnce(root + "/scores");
  }

  @Test
  void aStoreThatKeepsRefusingFailsTheRunFastAndKeepsTheCommittedOutput() throws Exception {
    String root = bucket("failing");
    String output = root + "/scores";
    score(root, output, "overwrite");
    Manifest before = Shardscore.manifest(spark, output).orElseThrow();

    s3.failPuts(stagedData(), 2, Integer.MAX_VALUE);
    long start = System.nanoTime();
    ScoringFailedException e;
    int refused;
    try {
      e = assertThrows(ScoringFailedException.class, () -> score(root, output, "overwrite"));
      refused = s3.refusedPuts();
    } finally {
      s3.clearFaults();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "observed: store refusing PUTs failed the run in %.1f s after %d refused PUTs%n",
        seconds, refused);
    assertTrue(
        refused >= 1 && refused <= FAIL_FAST_REFUSED_PUTS,
        "retries capped as README says: " + refused + " refused PUTs");
    System.out.println("observed: " + e.getMessage());
    assertTrue(e.getMessage().contains("nothing was committed"), e.getMessage());
    assertTrue(e.getMessage().contains("HTTP 5xx"), e.getMessage());
    // Whether a shard finished before the store failed depends on scheduling; the message says
    // which, and names the staging folder only when it holds finished shards.
    assertTrue(
        e.getMessage().contains("finished; their files are kept under")
                && e.getMessage().contains("_shardscore/staging")
            || e.getMessage().contains("No shard finished all its tasks before the failure"),
        e.getMessage());
    assertEquals(before, Shardscore.manifest(spark, output).orElseThrow(), "still the old commit");
    assertEveryRowOnce(output);

    ScoreResult again = score(root, output, "overwrite");
    assertEquals(before.version() + 1, again.manifestVersion());
    assertEveryRowOnce(output);
    assertTrue(staging("failing").isEmpty(), "staging cleaned: " + staging("failing"));
  }

  @Test
  void theStoreGoesDownMidRunAndComesBackOnTheSamePortAndFolder() throws Exception {
    String root = bucket("outage");
    String output = root + "/scores";
    score(root, output, "overwrite");
    Manifest before = Shardscore.manifest(spark, output).orElseThrow();

    s3.goDownAtPut(stagedData(), 2);
    long start = System.nanoTime();
    ScoringFailedException e;
    try {
      e = assertThrows(ScoringFailedException.class, () -> score(root, output, "overwrite"));
    } finally {
      s3.clearFaults();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // Printed, not asserted: how long this takes depends on the machine's load.
    System.out.printf("observed: store outage failed the run in %.1f s: %s%n", seconds, e);
    assertEquals(ScoringFailedException.Reason.TASK_FAILED, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was committed"), e.getMessage());
    assertFalse(e.getMessage().contains(S3Server.SECRET_KEY), "no secret in the message");

    s3.restart();
    assertEquals(before, Shardscore.manifest(spark, output).orElseThrow(), "still the old commit");
    assertEveryRowOnce(output);
    ScoreResult again = score(root, output, "overwrite");
    assertEquals(before.version() + 1, again.manifestVersion());
    assertEveryRowOnce(output);
  }
}

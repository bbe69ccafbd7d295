package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.InputConfig;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.job.sync.StoreSync;
import io.shardscore.job.sync.SyncException;
import io.shardscore.job.sync.SyncResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-prem / cloud round trip: score on one store, sync to the other, burst an incremental run
 * there, sync back; only changed shards move, checksums are verified, divergence is refused.
 */
class SyncTest {
  private static final String RANGES = "0-2999,3000-5999,6000-8999,9000-11999";
  @TempDir static Path dir;
  static SparkSession spark;
  static Path input;
  static Path model;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, 12_000);
    model = SparkTestSession.model(dir);
  }

  @AfterEach
  void disarm() {
    System.clearProperty(FaultInjection.PROPERTY);
  }

  private static JobConfig job(Path in, Path out) {
    return SparkTestSession.job(in, model, out, RANGES, "")
        .withOutput(new OutputConfig(out.toString(), "incremental"));
  }

  private static SyncResult sync(Path from, Path to, boolean force) {
    return new StoreSync(spark.sparkContext().hadoopConfiguration())
        .sync("file:" + from, "file:" + to, force);
  }

  private static Path changeShard(String name, Path from, long lo, long hi) {
    Path p = dir.resolve(name);
    Dataset<Row> changed =
        spark
            .read()
            .parquet(from.toString())
            .withColumn(
                "age",
                when(col("customer_id").between(lo, hi), col("age").plus(1)).otherwise(col("age")));
    changed.write().mode(SaveMode.Overwrite).parquet(p.toString());
    return p;
  }

  private static Map<String, String> dataFiles(Path root) {
    Map<String, String> out = new TreeMap<>(SparkTestSession.listing(root));
    out.keySet().removeIf(k -> k.startsWith("_shardscore"));
    return out;
  }

  private static void assertSameCommit(Path a, Path b) {
    Manifest ma = Shardscore.manifest(spark, a.toString()).orElseThrow();
    Manifest mb = Shardscore.manifest(spark, b.toString()).orElseThrow();
    assertEquals(ma, mb, "the target holds the source's manifest");
    assertEquals(
        0,
        Shardscore.read(spark, a.toString()).except(Shardscore.read(spark, b.toString())).count());
    assertEquals(dataFiles(a).keySet(), dataFiles(b).keySet());
  }

  @Test
  void aBurstToTheOtherStoreAndBackMovesOnlyChangedShards() {
    Path onPrem = dir.resolve("onprem");
    Path cloud = dir.resolve("cloud");
    Shardscore.job(spark, job(input, onPrem)).execute();

    SyncResult first = sync(onPrem, cloud, false);
    assertEquals(-1, first.previousTargetVersion());
    assertTrue(first.filesCopied() >= 4);
    assertSameCommit(onPrem, cloud);
    assertTrue(sync(onPrem, cloud, false).upToDate());

    // Burst: the cloud side rescores one changed shard incrementally, then syncs back.
    Map<String, String> onPremBefore = dataFiles(onPrem);
    Path v2 = changeShard("input-v2", input, 3000, 5999);
    ScoreResult burst = Shardscore.job(spark, job(v2, cloud)).execute();
    assertEquals(2, burst.manifestVersion());
    SyncResult back = sync(cloud, onPrem, false);
    assertEquals(List.of("3000-5999"), back.shardsCopied());
    assertSameCommit(cloud, onPrem);
    Map<String, String> onPremAfter = dataFiles(onPrem);
    onPremBefore.forEach(
        (file, stamp) -> {
          if (!file.contains("shard=3000-5999/")) {
            assertEquals(stamp, onPremAfter.get(file), "untouched on the target: " + file);
          }
        });
    assertTrue(
        onPremAfter.keySet().stream()
            .noneMatch(f -> f.contains("shard=3000-5999/") && onPremBefore.containsKey(f)));

    // Deletions propagate.
    JobConfig fewer =
        SparkTestSession.job(v2, model, cloud, "0-2999,3000-5999,6000-8999", "")
            .withInput(new InputConfig(dir.resolve("input-v3").toString(), null))
            .withOutput(new OutputConfig(cloud.toString(), "incremental"));
    spark
        .read()
        .parquet(v2.toString())
        .where("customer_id < 9000")
        .write()
        .parquet(dir.resolve("input-v3").toString());
    Shardscore.job(spark, fewer).execute();
    SyncResult deletion = sync(cloud, onPrem, false);
    assertEquals(List.of("9000-11999"), deletion.shardsDeleted());
    assertTrue(!Files.exists(onPrem.resolve("shard=9000-11999")));
    assertSameCommit(cloud, onPrem);
  }

  @Test
  void divergedStoresAreRefusedWithTheShardsNamedUnlessForced() {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    Shardscore.job(spark, job(input, a)).execute();
    sync(a, b, false);
    Shardscore.job(spark, job(changeShard("in-a", input, 0, 2999), a)).execute();
    Shardscore.job(spark, job(changeShard("in-b", input, 6000, 8999), b)).execute();
    Map<String, String> before = SparkTestSession.listing(b);
    SyncException e = assertThrows(SyncException.class, () -> sync(a, b, false));
    assertTrue(e.getMessage().contains("common version 1"), e.getMessage());
    assertTrue(e.getMessage().contains("source changed shards [0-2999]"), e.getMessage());
    assertTrue(e.getMessage().contains("target changed shards [6000-8999]"), e.getMessage());
    assertEquals(before, SparkTestSession.listing(b), "nothing copied");
    SyncResult forced = sync(a, b, true);
    assertTrue(forced.shardsCopied().contains("0-2999"));
    assertSameCommit(a, b);
  }

  @Test
  void aSyncThatStopsAfterSomeFilesLeavesTheTargetValidAndARerunFinishes() {
    Path a = dir.resolve("fa");
    Path b = dir.resolve("fb");
    Shardscore.job(spark, job(input, a)).execute();
    System.setProperty(FaultInjection.PROPERTY, "sync-after-files:2");
    assertThrows(Throwable.class, () -> sync(a, b, false));
    System.clearProperty(FaultInjection.PROPERTY);
    assertTrue(
        Shardscore.manifest(spark, b.toString()).isEmpty(), "no manifest: nothing committed");
    SyncResult rerun = sync(a, b, false);
    assertTrue(rerun.filesCopied() > 0);
    assertSameCommit(a, b);
  }

  @Test
  void aDamagedSourceFileIsCaughtByItsChecksum() throws Exception {
    Path a = dir.resolve("ca");
    Path b = dir.resolve("cb");
    Shardscore.job(spark, job(input, a)).execute();
    Manifest m = Shardscore.manifest(spark, a.toString()).orElseThrow();
    Path victim = a.resolve(m.shards().get(1).files().get(0).path());
    byte[] bytes = Files.readAllBytes(victim);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(victim, bytes);
    // Object stores keep no Hadoop .crc sidecar; without it only shardscore's CRC32C can tell.
    Files.deleteIfExists(victim.resolveSibling("." + victim.getFileName() + ".crc"));
    SyncException e = assertThrows(SyncException.class, () -> sync(a, b, false));
    assertTrue(e.getMessage().contains("Checksum mismatch"), e.getMessage());
    assertTrue(Shardscore.manifest(spark, b.toString()).isEmpty());
  }
}

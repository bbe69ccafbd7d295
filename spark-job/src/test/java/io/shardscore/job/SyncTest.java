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
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.job.sync.StoreSync;
import io.shardscore.job.sync.SyncException;
import io.shardscore.job.sync.SyncResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The on-prem / cloud round trip: score on one store, sync to the other, burst an incremental run
 * there, sync back; only changed shards move, checksums are verified, divergence is refused (by
 * commit id, whatever the run ids), a forced sync commits a new target version, a crash at any sync
 * point leaves the target valid, and the target's own retention is kept.
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

  /** The manifest as every store holds it: without what is only true on one store. */
  private static Manifest storeIndependent(Manifest m) {
    return m.onTarget(List.of(), List.of(), 0);
  }

  private static Manifest newest(Path root) {
    return Shardscore.manifest(spark, root.toString()).orElseThrow();
  }

  /** The target holds the source's newest commit: same commit, same rows, same files. */
  private static void assertSameCommit(Path a, Path b) {
    Manifest ma = newest(a);
    Manifest mb = newest(b);
    assertTrue(ma.sameCommit(mb), "the target holds the source's commit: " + mb);
    assertEquals(
        storeIndependent(ma), storeIndependent(mb), "the target holds the source's manifest");
    assertSameData(a, b);
  }

  /** The target holds the source's newest shards as a version of its own (a forced sync). */
  private static void assertSameContent(Path a, Path b, long targetVersion) {
    Manifest ma = newest(a);
    Manifest mb = newest(b);
    assertEquals(targetVersion, mb.version());
    assertEquals(ma.shards(), mb.shards());
    assertEquals(ma.plan(), mb.plan());
    assertEquals(ma.model(), mb.model());
    assertEquals(ma.settingsDigest(), mb.settingsDigest());
    assertEquals(ma.storeId(), mb.storeId(), "the copy continues the source's history");
    assertTrue(ma.contentCommit().sameCommit(mb.origin()), "records what it copied: " + mb);
    assertTrue(ma.sameContent(mb));
    assertSameData(a, b);
  }

  private static void assertSameData(Path a, Path b) {
    assertValid(b);
    assertEquals(
        0,
        Shardscore.read(spark, a.toString()).except(Shardscore.read(spark, b.toString())).count());
    assertEquals(
        Shardscore.read(spark, a.toString()).count(), Shardscore.read(spark, b.toString()).count());
    assertEquals(dataFiles(a).keySet(), dataFiles(b).keySet());
  }

  /** Staging folders of sync attempts. */
  private static List<String> syncStaging(Path root) {
    Path staging = root.resolve("_shardscore/staging");
    if (!Files.exists(staging)) {
      return List.of();
    }
    try (Stream<Path> folders = Files.list(staging)) {
      return folders
          .map(f -> f.getFileName().toString())
          .filter(n -> n.startsWith("sync."))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String crc32c(Path file) {
    try {
      CRC32C crc = new CRC32C();
      crc.update(Files.readAllBytes(file));
      return String.format(Locale.ROOT, "%08x", crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every file the newest manifest lists exists with its recorded size and CRC32C, at its final
   * path or, for a version still rolling forward, where its {@code moves} staged it.
   */
  private static void assertValid(Path root) {
    Manifest m = newest(root);
    Map<String, String> staged = new TreeMap<>();
    m.moves().forEach(mv -> staged.put(mv.to(), mv.from()));
    for (Manifest.FileEntry f : m.allFiles()) {
      Path file = root.resolve(f.path());
      if (!Files.exists(file) && staged.containsKey(f.path())) {
        file = Path.of(new org.apache.hadoop.fs.Path(staged.get(f.path())).toUri());
      }
      assertTrue(Files.exists(file), "listed file in place or staged: " + f.path());
      try {
        assertEquals(f.bytes(), Files.size(file), f.path());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      assertEquals(f.crc32c(), crc32c(file), f.path());
    }
  }

  private static Path damage(Path root, Manifest.FileEntry file) throws IOException {
    Path victim = root.resolve(file.path());
    byte[] bytes = Files.readAllBytes(victim);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(victim, bytes);
    // Object stores keep no Hadoop .crc sidecar; without it only shardscore's CRC32C can tell.
    Files.deleteIfExists(victim.resolveSibling("." + victim.getFileName() + ".crc"));
    return victim;
  }

  /** Files of the shard that the newest manifest of {@code root} lists. */
  private static Manifest.ShardEntry shard(Path root, String name) {
    return newest(root).shards().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aBurstToTheOtherStoreAndBackMovesOnlyChangedShards() {
    Path onPrem = dir.resolve("onprem");
    Path cloud = dir.resolve("cloud");
    Shardscore.job(spark, job(input, onPrem)).execute();

    SyncResult first = sync(onPrem, cloud, false);
    assertEquals(-1, first.previousTargetVersion());
    assertEquals(1, first.targetVersion());
    assertTrue(first.filesCopied() >= 4);
    assertSameCommit(onPrem, cloud);
    assertEquals(List.of(), syncStaging(cloud), "staging removed once the files are in place");
    assertTrue(sync(onPrem, cloud, false).upToDate());

    // Burst: the cloud side rescores one changed shard incrementally, then syncs back.
    Map<String, String> onPremBefore = dataFiles(onPrem);
    Path v2 = changeShard("input-v2", input, 3000, 5999);
    ScoreResult burst = Shardscore.job(spark, job(v2, cloud)).execute();
    assertEquals(2, burst.manifestVersion());
    SyncResult back = sync(cloud, onPrem, false);
    assertEquals(List.of("3000-5999"), back.shardsCopied());
    assertEquals(2, back.targetVersion());
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
    assertTrue(e.getMessage().contains("still shows its version 2"), e.getMessage());
    assertTrue(e.getMessage().contains("--force"), e.getMessage());
    assertEquals(before, SparkTestSession.listing(b), "nothing copied");

    SyncResult forced = sync(a, b, true);
    assertTrue(forced.shardsCopied().contains("0-2999"));
    assertEquals(3, forced.targetVersion(), "a forced sync commits the target's next version");
    assertSameContent(a, b, 3);
    assertEquals(List.of(), syncStaging(b));
    Map<String, String> after = SparkTestSession.listing(b);
    before.forEach(
        (file, stamp) -> {
          if (file.startsWith("_shardscore/manifests/")) {
            assertEquals(stamp, after.get(file), "the target's history is kept: " + file);
          }
        });

    // A later plain sync from the same source fast-forwards, by the origin the forced one kept.
    Shardscore.job(spark, job(changeShard("in-a2", dir.resolve("in-a"), 3000, 5999), a)).execute();
    SyncResult later = sync(a, b, false);
    assertEquals(List.of("3000-5999"), later.shardsCopied());
    assertEquals(4, later.targetVersion(), "version 3 is taken on the target");
    assertSameContent(a, b, 4);
    assertTrue(sync(a, b, false).upToDate());
    assertTrue(sync(b, a, false).upToDate(), "the source holds what the target copied");

    // The target moves on: it is ahead, and syncing back fast-forwards the source.
    Shardscore.job(spark, job(changeShard("in-b2", dir.resolve("in-a2"), 9000, 11999), b))
        .execute();
    Map<String, String> ahead = SparkTestSession.listing(b);
    SyncException refused = assertThrows(SyncException.class, () -> sync(a, b, false));
    assertTrue(refused.getMessage().contains("target is ahead"), refused.getMessage());
    assertTrue(refused.getMessage().contains("still shows its version 5"), refused.getMessage());
    assertEquals(ahead, SparkTestSession.listing(b), "nothing copied");
    SyncResult reverse = sync(b, a, false);
    assertEquals(List.of("9000-11999"), reverse.shardsCopied());
    assertEquals(5, reverse.targetVersion(), "the source's version 5 is free on a");
    assertSameCommit(b, a);
  }

  @Test
  void sameRunIdsOnBothSidesDoNotHideADivergence() {
    Path a = dir.resolve("ra");
    Path b = dir.resolve("rb");
    Shardscore.job(spark, job(input, a)).runId("2026-11-30").execute();
    sync(a, b, false);
    // An Airflow backfill of the same date on both sides: same run id, same version number.
    Shardscore.job(spark, job(changeShard("rin-a", input, 0, 2999), a))
        .runId("2026-12-01")
        .execute();
    Shardscore.job(spark, job(changeShard("rin-b", input, 6000, 8999), b))
        .runId("2026-12-01")
        .execute();
    assertEquals(newest(a).runId(), newest(b).runId());
    assertEquals(newest(a).version(), newest(b).version());
    Map<String, String> before = SparkTestSession.listing(b);
    SyncException e = assertThrows(SyncException.class, () -> sync(a, b, false));
    assertTrue(e.getMessage().contains("common version 1"), e.getMessage());
    assertTrue(e.getMessage().contains("source changed shards [0-2999]"), e.getMessage());
    assertTrue(e.getMessage().contains("target changed shards [6000-8999]"), e.getMessage());
    assertTrue(e.getMessage().contains("commit " + newest(a).commitId()), e.getMessage());
    assertEquals(before, SparkTestSession.listing(b), "nothing copied");
    SyncException back = assertThrows(SyncException.class, () -> sync(b, a, false));
    assertTrue(back.getMessage().contains("Both sides committed"), back.getMessage());
  }

  @Test
  void aSyncThatStopsAfterSomeFilesLeavesTheTargetValidAndARerunFinishes() {
    Path a = dir.resolve("fa");
    Path b = dir.resolve("fb");
    Shardscore.job(spark, job(input, a)).execute();
    Faults.crash("sync-after-files:2", () -> sync(a, b, false));
    assertTrue(
        Shardscore.manifest(spark, b.toString()).isEmpty(), "no manifest: nothing committed");
    assertEquals(Map.of(), dataFiles(b), "nothing visible: the copies are staged");
    List<String> stopped = syncStaging(b);
    assertEquals(1, stopped.size(), "the stopped attempt's staging: " + stopped);
    SyncResult rerun = sync(a, b, false);
    assertTrue(rerun.filesCopied() > 0);
    assertSameCommit(a, b);
    assertEquals(stopped, syncStaging(b), "only the stopped attempt's staging is left");
    assertTrue(
        newest(b).moves().stream().noneMatch(mv -> mv.from().contains(stopped.get(0))),
        "and no version refers to it");
  }

  /** A source at version 2 and a target holding its version 1, for the crash points. */
  private static Path[] crashFixture;

  private static synchronized Path[] crashFixture() {
    if (crashFixture == null) {
      Path source = dir.resolve("crash-source");
      Path atVersion1 = dir.resolve("crash-v1");
      Shardscore.job(spark, job(input, source)).execute();
      sync(source, atVersion1, false);
      Shardscore.job(spark, job(changeShard("crash-in", input, 0, 2999), source)).execute();
      crashFixture = new Path[] {source, atVersion1};
    }
    return crashFixture;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "sync-after-files:1",
        "sync-before-manifest",
        "during-manifest",
        "sync-after-manifest",
        "during-moves:1",
        "before-pointer",
        "before-cleanup"
      })
  void aCrashAtEverySyncPointLeavesTheTargetValidAndARerunFinishes(String point) {
    Path source = crashFixture()[0];
    Path target = dir.resolve("crash-" + point.replace(':', '-'));
    sync(crashFixture()[1], target, false);
    Manifest before = newest(target);
    Map<String, String> visibleBefore = dataFiles(target);
    Throwable crash = Faults.crash(point, () -> sync(source, target, false));
    assertTrue(crash.getMessage().contains("injected fault at '" + point + "'"), crash.toString());
    boolean committed =
        !point.startsWith("sync-after-files")
            && !point.contains("before-manifest")
            && !point.equals("during-manifest");
    Manifest after = newest(target);
    assertValid(target);
    if (committed) {
      assertTrue(after.sameCommit(newest(source)), point + ": the new commit is the visible one");
    } else {
      assertTrue(after.sameCommit(before), point + ": the previous commit is the visible one");
      assertEquals(visibleBefore, dataFiles(target), point + ": nothing visible changed");
    }
    List<String> left = syncStaging(target);
    SyncResult rerun = sync(source, target, false);
    assertEquals(committed, rerun.upToDate(), rerun.toString());
    assertSameCommit(source, target);
    if (committed) {
      assertEquals(List.of(), syncStaging(target), point + ": staging removed once in place");
    } else {
      assertEquals(1, left.size(), point + ": the crashed attempt's staging: " + left);
      assertEquals(left, syncStaging(target), point + ": the rerun staged and removed its own");
    }
    for (String f : before.liveFiles()) {
      assertEquals(
          newest(source).liveFiles().contains(f),
          Files.exists(target.resolve(f)),
          point + ": superseded files removed, kept files kept: " + f);
    }
  }

  @Test
  void aDamagedSourceFileIsCaughtByItsChecksum() throws Exception {
    Path a = dir.resolve("ca");
    Path b = dir.resolve("cb");
    Shardscore.job(spark, job(input, a)).execute();
    Manifest m = Shardscore.manifest(spark, a.toString()).orElseThrow();
    damage(a, m.shards().get(1).files().get(0));
    SyncException e = assertThrows(SyncException.class, () -> sync(a, b, false));
    assertTrue(e.getMessage().contains("Checksum mismatch"), e.getMessage());
    assertTrue(e.getMessage().contains("no committed version"), e.getMessage());
    assertTrue(Shardscore.manifest(spark, b.toString()).isEmpty());
    assertEquals(Map.of(), dataFiles(b), "nothing visible");
    assertEquals(List.of(), syncStaging(b), "the failed attempt removed its staged copies");
  }

  @Test
  void aForcedSyncOfADamagedSourceLeavesTheTargetsCommitIntact() throws Exception {
    Path a = dir.resolve("da");
    Path b = dir.resolve("db");
    Shardscore.job(spark, job(input, a)).execute();
    sync(a, b, false);
    Shardscore.job(spark, job(changeShard("din-a", input, 0, 2999), a)).execute();
    Shardscore.job(spark, job(changeShard("din-b", input, 6000, 8999), b)).execute();
    Manifest previous = newest(b);
    long rows = Shardscore.read(spark, b.toString()).count();
    Map<String, String> before = SparkTestSession.listing(b);
    damage(a, shard(a, "0-2999").files().get(0));

    SyncException e = assertThrows(SyncException.class, () -> sync(a, b, true));
    assertTrue(e.getMessage().contains("Checksum mismatch"), e.getMessage());
    assertTrue(e.getMessage().contains("still shows its version 2"), e.getMessage());
    assertEquals(before, SparkTestSession.listing(b), "history, pointer and files untouched");
    assertEquals(previous, newest(b));
    assertValid(b);
    assertEquals(rows, Shardscore.read(spark, b.toString()).count());
    assertEquals(List.of(), syncStaging(b));
  }

  @Test
  void aSyncKeepsFilesTheTargetsOwnCommitsRetain() {
    Path a = dir.resolve("keep-a");
    Path b = dir.resolve("keep-b");
    Shardscore.job(spark, job(input, a)).execute();
    sync(a, b, false);
    // The target's own commit keeps the files it supersedes for an hour.
    Manifest v1 = newest(b);
    Shardscore.job(
            spark, job(input, b).withOutput(new OutputConfig(b.toString(), "overwrite", "1h")))
        .execute();
    Manifest v2 = newest(b);
    sync(b, a, false);
    Shardscore.job(spark, job(changeShard("keep-in", input, 0, 2999), a)).execute();
    SyncResult r = sync(a, b, false);
    assertEquals(3, r.targetVersion());
    assertTrue(newest(a).sameCommit(newest(b)));
    assertEquals(storeIndependent(newest(a)), storeIndependent(newest(b)));
    assertValid(b);
    assertEquals(
        0,
        Shardscore.read(spark, a.toString()).except(Shardscore.read(spark, b.toString())).count());
    Set<String> extra = new java.util.TreeSet<>(dataFiles(b).keySet());
    extra.removeAll(dataFiles(a).keySet());
    Set<String> retained = new java.util.TreeSet<>();
    for (String f : v1.liveFiles()) {
      Path p = Path.of(f);
      retained.add(f);
      retained.add(p.resolveSibling("." + p.getFileName() + ".crc").toString());
    }
    assertEquals(retained, extra, "the target holds the source's files plus what it retains");
    for (String f : v1.liveFiles()) {
      assertTrue(Files.exists(b.resolve(f)), "kept for readers of version 1: " + f);
    }
    assertEquals(v1.totalRows(), Shardscore.read(spark, b.toString(), 1).count());
    Set<String> v3 = newest(b).liveFiles();
    for (String f : v2.liveFiles()) {
      assertEquals(v3.contains(f), Files.exists(b.resolve(f)), "superseded by the sync: " + f);
    }
  }
}

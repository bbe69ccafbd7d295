package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.PendingRun;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.store.FaultInjection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that dies at a named fault point is resumed by the next run, which scores exactly the
 * shards that were not finished and commits once; the result equals a clean run.
 */
class ResumeTest {
  private static final int SHARDS = 12;
  @TempDir static Path dir;
  static SparkSession spark;
  static Path input;
  static Path model;
  static String ranges;
  static Path clean;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, SHARDS * 2_000);
    model = SparkTestSession.model(dir);
    List<String> r = new ArrayList<>();
    for (int s = 0; s < SHARDS; s++) {
      r.add(s * 2000 + "-" + (s * 2000 + 1999));
    }
    ranges = String.join(",", r);
    clean = dir.resolve("clean");
    Shardscore.job(spark, job(clean)).execute();
  }

  @AfterEach
  void disarm() {
    System.clearProperty(FaultInjection.PROPERTY);
  }

  private static JobConfig job(Path out) {
    return SparkTestSession.job(input, model, out, ranges, "")
        .withOutput(new OutputConfig(out.toString(), "incremental"));
  }

  /** Shards whose every task left a completion marker in the pending run's staging. */
  private static Set<String> finishedShards(Path out) throws Exception {
    FileSystem fs =
        org.apache.hadoop.fs.FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
    PendingJournal journal = new PendingJournal(fs, new org.apache.hadoop.fs.Path(out.toUri()));
    List<PendingRun> runs = journal.list();
    assertEquals(1, runs.size(), "the failed run left its journal");
    Set<Integer> done = journal.completed(runs.get(0)).keySet();
    Set<String> finished = new TreeSet<>();
    runs.get(0)
        .shards()
        .forEach(
            (name, shard) -> {
              if (done.containsAll(shard.partitions())) {
                finished.add(name);
              }
            });
    return finished;
  }

  private static int journalShards(Path out) {
    FileSystem fs;
    try {
      fs = org.apache.hadoop.fs.FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new PendingJournal(fs, new org.apache.hadoop.fs.Path(out.toUri()))
        .list()
        .get(0)
        .shards()
        .size();
  }

  private static Set<String> withStatus(ScoreResult r, String status) {
    Set<String> names = new TreeSet<>();
    r.shards().stream().filter(s -> s.status().equals(status)).forEach(s -> names.add(s.name()));
    return names;
  }

  private void resumeAfter(String fault, String name, boolean someUnfinished) throws Exception {
    Path out = dir.resolve(name);
    System.setProperty(FaultInjection.PROPERTY, fault);
    assertThrows(Throwable.class, () -> Shardscore.job(spark, job(out)).execute());
    System.clearProperty(FaultInjection.PROPERTY);
    assertTrue(
        !Files.exists(out.resolve("_shardscore/manifests"))
            || isEmpty(out.resolve("_shardscore/manifests")),
        "nothing committed");
    Set<String> finished = finishedShards(out);
    // The journal lists every shard the run scores: the 12 ranges and the null-key shard (its
    // rows go to errors); the empty unmatched shard has no task and counts as finished.
    int total = journalShards(out);
    int unfinished = total - finished.size();
    if (someUnfinished) {
      assertTrue(unfinished > 0 && unfinished < total, "0 < " + unfinished + " < " + total);
    } else {
      assertEquals(0, unfinished);
    }

    ScoreResult rerun = Shardscore.job(spark, job(out)).execute();
    Set<String> reused = withStatus(rerun, "resumed");
    reused.addAll(withStatus(rerun, "empty"));
    assertEquals(finished, reused, "finished shards are reused");
    Set<String> scored = withStatus(rerun, "scored");
    scored.addAll(withStatus(rerun, "rejected"));
    assertEquals(unfinished, scored.size(), "exactly the unfinished shards are scored: " + scored);
    assertEquals(1, rerun.manifestVersion());
    assertTrue(
        new PendingJournal(
                org.apache.hadoop.fs.FileSystem.getLocal(
                    spark.sparkContext().hadoopConfiguration()),
                new org.apache.hadoop.fs.Path(out.toUri()))
            .list()
            .isEmpty());
    assertSameAsClean(out);
  }

  private static boolean isEmpty(Path p) throws Exception {
    try (var s = Files.list(p)) {
      return s.noneMatch(f -> f.getFileName().toString().startsWith("v"));
    }
  }

  @Test
  void aRunThatDiesAfterSomeShardsScoresOnlyTheRestWhenRerun() throws Exception {
    // The last partition's task fails after the others have (mostly) finished.
    resumeAfter("task-partition:" + (SHARDS - 1), "after-some-shards", true);
  }

  @Test
  void aRunThatDiesAfterAllFilesBeforeTheManifestScoresNothingWhenRerun() throws Exception {
    resumeAfter(FaultInjection.BEFORE_MANIFEST, "before-manifest", false);
  }

  @Test
  void aRunThatDiesWhileWritingTheManifestScoresNothingWhenRerun() throws Exception {
    resumeAfter(FaultInjection.DURING_MANIFEST, "during-manifest", false);
  }

  @Test
  void aFinishedShardWhoseStagedFileIsGoneIsScoredAgain() throws Exception {
    Path out = dir.resolve("lost-staged-file");
    System.setProperty(FaultInjection.PROPERTY, FaultInjection.BEFORE_MANIFEST);
    assertThrows(Throwable.class, () -> Shardscore.job(spark, job(out)).execute());
    System.clearProperty(FaultInjection.PROPERTY);
    Path lost;
    try (var files = Files.walk(out.resolve("_shardscore/staging"))) {
      lost =
          files
              .filter(
                  f -> f.toString().contains("shard=0-1999/") && f.toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow();
    }
    Files.delete(lost);
    ScoreResult rerun = Shardscore.job(spark, job(out)).execute();
    assertTrue(withStatus(rerun, "scored").contains("0-1999"), rerun.shards().toString());
    assertTrue(withStatus(rerun, "resumed").contains("2000-3999"));
    assertSameAsClean(out);
  }

  private static void assertSameAsClean(Path out) {
    Dataset<Row> x = Shardscore.read(spark, out.toString()).drop("run_id", "scored_at");
    Dataset<Row> y = Shardscore.read(spark, clean.toString()).drop("run_id", "scored_at");
    assertEquals(y.count(), x.count());
    assertEquals(0, x.except(y).count(), "same keys, columns and predictions as a clean run");
    assertEquals(
        Shardscore.readErrors(spark, clean.toString()).count(),
        Shardscore.readErrors(spark, out.toString()).count());
    assertEquals(y.count(), spark.read().parquet(out.toString()).count(), "plain readers agree");
    Map<String, String> files = SparkTestSession.listing(out);
    assertTrue(
        files.keySet().stream()
            .noneMatch(f -> f.startsWith("_shardscore/staging/") && f.endsWith(".parquet")));
  }
}

package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.PendingRun;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import io.shardscore.job.store.FaultInjection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
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

  /**
   * What the failed run left in its pending journal, read once it returned: every shard it was to
   * score, those whose every task left a completion marker, and the shard of each partition.
   */
  private record Left(Set<String> shards, Set<String> finished, Map<Integer, String> shardOf) {
    Set<String> unfinished() {
      Set<String> rest = new TreeSet<>(shards);
      rest.removeAll(finished);
      return rest;
    }
  }

  private static PendingJournal journal(Path out) throws Exception {
    FileSystem fs = FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
    return new PendingJournal(fs, new org.apache.hadoop.fs.Path(out.toUri()));
  }

  private static Left left(Path out) throws Exception {
    PendingJournal journal = journal(out);
    List<PendingRun> runs = journal.list();
    assertEquals(1, runs.size(), "the failed run left its journal");
    Set<Integer> done = journal.completed(runs.get(0)).keySet();
    Set<String> shards = new TreeSet<>();
    Set<String> finished = new TreeSet<>();
    Map<Integer, String> shardOf = new TreeMap<>();
    runs.get(0)
        .shards()
        .forEach(
            (name, shard) -> {
              shards.add(name);
              shard.partitions().forEach(p -> shardOf.put(p, name));
              if (done.containsAll(shard.partitions())) {
                finished.add(name);
              }
            });
    return new Left(shards, finished, shardOf);
  }

  private static Set<String> withStatus(ScoreResult r, String status) {
    Set<String> names = new TreeSet<>();
    r.shards().stream().filter(s -> s.status().equals(status)).forEach(s -> names.add(s.name()));
    return names;
  }

  /**
   * Runs the job with {@code fault} armed, expects it to fail with {@code failure}, then reruns it
   * and checks that the rerun resumed exactly the shards the failed run's completion markers show
   * finished (read after the failed run returned: its tasks had stopped by then) and scored exactly
   * the others.
   *
   * @param failedPartition the partition whose task the fault fails, or -1 for a driver-side fault
   *     after every task finished
   */
  private static <T extends Throwable> T resumeAfter(
      String fault, String name, Class<T> failure, int failedPartition) throws Exception {
    Path out = dir.resolve(name);
    Throwable e = Faults.crash(fault, () -> Shardscore.job(spark, job(out)).execute());
    assertTrue(failure.isInstance(e), "failed with " + failure.getSimpleName() + ": " + e);
    assertTrue(
        !Files.exists(out.resolve("_shardscore/manifests"))
            || isEmpty(out.resolve("_shardscore/manifests")),
        "nothing committed");
    // The journal lists every shard the run scores: the 12 ranges and the null-key shard (its
    // rows go to errors); the empty unmatched shard has no task and counts as finished.
    Left left = left(out);
    System.out.println(
        "observed: after "
            + fault
            + ", "
            + left.finished().size()
            + " of "
            + left.shards().size()
            + " shards finished; unfinished "
            + left.unfinished());
    assertEquals(SHARDS + 2, left.shards().size(), left.shards().toString());
    if (failedPartition < 0) {
      assertEquals(left.shards(), left.finished(), "every shard finished before the fault");
    } else {
      String failed = left.shardOf().get(failedPartition);
      assertTrue(failed != null, "partition " + failedPartition + " in " + left.shardOf());
      assertTrue(left.unfinished().contains(failed), "the failed task's shard is unfinished");
      assertTrue(
          left.finished().size() > 0 && left.unfinished().size() < left.shards().size(),
          "some shards finished: " + left);
    }

    ScoreResult rerun = Shardscore.job(spark, job(out)).execute();
    Set<String> reused = withStatus(rerun, "resumed");
    reused.addAll(withStatus(rerun, "empty"));
    assertEquals(left.finished(), reused, "exactly the finished shards are reused");
    Set<String> scored = withStatus(rerun, "scored");
    scored.addAll(withStatus(rerun, "rejected"));
    assertEquals(left.unfinished(), scored, "exactly the unfinished shards are scored");
    assertEquals(
        left.shards(),
        rerun.shards().stream()
            .map(ShardStatus::name)
            .collect(Collectors.toCollection(TreeSet::new)),
        "the rerun reports every shard, each once: " + rerun.shards());
    assertEquals(left.shards().size(), rerun.shards().size(), rerun.shards().toString());
    assertEquals(1, rerun.manifestVersion());
    assertTrue(journal(out).list().isEmpty());
    assertSameAsClean(out);
    return failure.cast(e);
  }

  private static boolean isEmpty(Path p) throws Exception {
    try (var s = Files.list(p)) {
      return s.noneMatch(f -> f.getFileName().toString().startsWith("v"));
    }
  }

  @Test
  void aRunThatDiesAfterSomeShardsScoresOnlyTheRestWhenRerun() throws Exception {
    // The task of partition 11 fails; local[2] does not retry it, so the job fails, and the run
    // returns only once its other tasks have stopped: the markers read then are final.
    int partition = SHARDS - 1;
    ScoringFailedException e =
        resumeAfter(
            "task-partition:" + partition,
            "after-some-shards",
            ScoringFailedException.class,
            partition);
    assertEquals(ScoringFailedException.Reason.TASK_FAILED, e.reason(), e.getMessage());
  }

  @Test
  void aRunThatDiesAfterAllFilesBeforeTheManifestScoresNothingWhenRerun() throws Exception {
    resumeAfter(
        FaultInjection.BEFORE_MANIFEST, "before-manifest", FaultInjection.InjectedCrash.class, -1);
  }

  @Test
  void aRunThatDiesWhileWritingTheManifestScoresNothingWhenRerun() throws Exception {
    resumeAfter(
        FaultInjection.DURING_MANIFEST, "during-manifest", FaultInjection.InjectedCrash.class, -1);
  }

  @Test
  void aFinishedShardWhoseStagedFileIsGoneIsScoredAgain() throws Exception {
    Path out = dir.resolve("lost-staged-file");
    Throwable crash =
        Faults.crash(
            FaultInjection.BEFORE_MANIFEST, () -> Shardscore.job(spark, job(out)).execute());
    assertTrue(crash instanceof FaultInjection.InjectedCrash, crash.toString());
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

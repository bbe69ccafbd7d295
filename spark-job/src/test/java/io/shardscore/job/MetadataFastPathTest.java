package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On key-clustered input (one file per key range), the change check finds unchanged shards from
 * file identities and Parquet footer key ranges, and reads only the files that changed.
 */
class MetadataFastPathTest {
  private static final int FILES = 10;
  private static final int PER_FILE = 1_000;
  @TempDir static Path dir;
  static SparkSession spark;
  static Path input;
  static Path model;
  static String ranges;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    input = dir.resolve("clustered");
    List<String> r = new ArrayList<>();
    for (int f = 0; f < FILES; f++) {
      long lo = (long) f * PER_FILE;
      writeSlice(f, lo, false);
      r.add(lo + "-" + (lo + PER_FILE - 1));
    }
    ranges = String.join(",", r);
  }

  /** Writes keys [lo, lo+PER_FILE) as one Parquet file of its own folder under the input. */
  private static void writeSlice(int f, long lo, boolean changed) {
    var frame =
        DemoData.frame(spark, FILES * PER_FILE, 1, false)
            .where(col("customer_id").between(lo, lo + PER_FILE - 1));
    if (changed) {
      frame = frame.withColumn("age", col("age").plus(1));
    }
    frame
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(input.resolve("slice=" + f).toString());
  }

  private static JobConfig job(Path out) {
    return SparkTestSession.job(input, model, out, ranges, "")
        .withOutput(new OutputConfig(out.toString(), "incremental"))
        .withScoring(
            new io.shardscore.job.config.ScoringConfig(null, List.of("customer_id", "age"), null));
  }

  @Test
  void unchangedFilesAreNotReadAndAChangedFileDirtiesOnlyItsShard() throws Exception {
    Path out = dir.resolve("out");
    ScoreResult first = Shardscore.job(spark, job(out)).execute();
    assertEquals(FILES * PER_FILE, first.rowsIn());

    ChangePlan idle = Shardscore.job(spark, job(out)).plan();
    assertEquals(FILES, idle.inputFiles());
    assertEquals(0, idle.filesRead(), "nothing changed: no file is read");
    assertTrue(idle.nothingToDo());

    writeSlice(3, 3 * PER_FILE, true);
    ChangePlan plan = Shardscore.job(spark, job(out)).plan();
    assertEquals(1, plan.filesRead(), "only the rewritten file is read");
    List<ShardChange> changed = plan.changes().stream().filter(c -> c.status().scores()).toList();
    assertEquals(1, changed.size());
    assertEquals("3000-3999", changed.get(0).name());

    ChangePlan verified = Shardscore.job(spark, job(out)).verifyContent(true).plan();
    assertEquals(FILES, verified.filesRead(), "--verify-content reads every file");
    assertEquals(
        List.of("3000-3999"),
        verified.changes().stream()
            .filter(c -> c.status().scores())
            .map(ShardChange::name)
            .toList());

    ScoreResult second = Shardscore.job(spark, job(out)).execute();
    assertEquals(PER_FILE, second.rowsProcessed());
    assertEquals(FILES * PER_FILE, second.rowsScored());
    assertFalse(
        Shardscore.job(spark, job(out)).plan().changes().stream()
            .anyMatch(c -> c.status().scores()));
    // The fast path agrees with a full content check after the commit.
    assertTrue(Shardscore.job(spark, job(out)).verifyContent(true).plan().nothingToDo());
  }

  @Test
  void aFileThatCoversEveryKeyDirtiesEveryShard() throws Exception {
    Path out = dir.resolve("daily");
    Path daily = dir.resolve("daily-input");
    DemoData.frame(spark, FILES * PER_FILE, 1, false).coalesce(1).write().parquet(daily.toString());
    JobConfig cfg =
        job(out).withInput(new io.shardscore.job.config.InputConfig(daily.toString(), null));
    Shardscore.job(spark, cfg).execute();
    try (Stream<Path> files = Files.list(daily)) {
      Path data = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
      Files.setLastModifiedTime(
          data, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    }
    ChangePlan plan = Shardscore.job(spark, cfg).plan();
    assertEquals(1, plan.filesRead(), "the one file is read again");
    assertTrue(plan.nothingToDo(), "same content: the fingerprints show nothing changed");
  }
}

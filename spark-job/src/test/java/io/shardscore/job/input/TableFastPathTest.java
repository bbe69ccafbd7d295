package io.shardscore.job.input;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.result.ScoreResult;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata fast path of incremental runs over an Iceberg table (a Hadoop catalog on the local
 * file system): the data files of the pinned snapshot and their key bounds, from the table's {@code
 * files} metadata table, decide which shards may have changed. That unchanged data files are not
 * read is proven by moving them away while the run plans and scores: a read of one fails the run.
 */
class TableFastPathTest {
  private static final int SHARDS = 20;
  private static final int PER_SHARD = 100;

  /** Rows written per shard at first: keys s*100 .. s*100+89, so that appends find free keys. */
  private static final int FILLED = 90;

  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static String ranges;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    List<String> r = new ArrayList<>();
    for (int s = 0; s < SHARDS; s++) {
      r.add(s * PER_SHARD + "-" + ((s + 1) * PER_SHARD - 1));
    }
    ranges = String.join(",", r);
  }

  /** A table of 20 data files, one per shard's key range, in catalog {@code catalog}. */
  private static String clusteredTable(String catalog) throws Exception {
    IcebergCatalog.hadoop(spark, catalog, dir.resolve(catalog));
    String table = catalog + ".db.customers";
    for (int s = 0; s < SHARDS; s++) {
      Dataset<Row> slice = rows(s * PER_SHARD, s * PER_SHARD + FILLED).coalesce(1);
      if (s == 0) {
        slice
            .writeTo(table)
            .using("iceberg")
            .tableProperty("format-version", "2")
            .tableProperty("write.delete.mode", "merge-on-read")
            .create();
      } else {
        slice.writeTo(table).append();
      }
    }
    assertEquals(SHARDS, dataFiles(table, f -> true).size());
    return table;
  }

  /** Demo customers with ids [from, to), without defects. */
  private static Dataset<Row> rows(long from, long to) {
    return DemoData.frame(spark, SHARDS * PER_SHARD, 2, false)
        .where(col("customer_id").between(from, to - 1));
  }

  private static JobConfig job(String table, String out, String where) {
    JobYaml yaml =
        JobYaml.demo("unused", model, dir.resolve(out))
            .remove("input.path")
            .set("input.table", table)
            .set("output.mode", "incremental")
            .set("sharding.ranges", JobYaml.quoted(ranges))
            .set("model.features", JobYaml.flow(DemoData.FEATURES));
    if (where != null) {
      yaml = yaml.set("input.where", JobYaml.quoted(where));
    }
    return JobConfigReader.parse(yaml.text(), "test job");
  }

  /** The table's current data files whose lower key bound passes {@code lowerBound}. */
  private static List<Path> dataFiles(String table, Predicate<Long> lowerBound) {
    List<Path> out = new ArrayList<>();
    for (Row r :
        spark
            .sql(
                "SELECT file_path, readable_metrics.customer_id.lower_bound FROM "
                    + table
                    + ".files WHERE content = 0")
            .collectAsList()) {
      String p = r.getString(0);
      if (lowerBound.test(((Number) r.get(1)).longValue())) {
        out.add(p.startsWith("file:") ? Path.of(URI.create(p)) : Path.of(p));
      }
    }
    return out;
  }

  /**
   * Moves {@code files} away (a read of one then fails) until the returned action restores them.
   */
  private static Runnable hide(List<Path> files) throws Exception {
    Path away = Files.createTempDirectory(dir, "hidden");
    Map<Path, Path> moved = new HashMap<>();
    for (Path f : files) {
      Path to = away.resolve(f.getFileName());
      Files.move(f, to);
      moved.put(f, to);
    }
    return () ->
        moved.forEach(
            (from, to) -> {
              try {
                Files.move(to, from);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
  }

  private static Map<Long, Double> scores(Dataset<Row> rows) {
    Map<Long, Double> out = new HashMap<>();
    for (Row row : rows.select("customer_id", "score").collectAsList()) {
      out.put(((Number) row.get(0)).longValue(), ((Number) row.get(1)).doubleValue());
    }
    return out;
  }

  private static List<String> scoredShards(ChangePlan plan) {
    return plan.changes().stream().filter(c -> c.status().scores()).map(ShardChange::name).toList();
  }

  @Test
  void anAppendToOneShardReadsOnlyThatShardsDataFilesAndTheSameSnapshotReadsNone()
      throws Exception {
    String table = clusteredTable("fastlake");
    ScoreResult first = Shardscore.job(spark, job(table, "out", null)).execute();
    assertEquals(SHARDS * FILLED, first.rowsIn());
    Manifest m = Shardscore.manifest(spark, dir.resolve("out").toString()).get();
    assertEquals(SHARDS, m.input().files().size(), "the manifest records the data files");

    // The same snapshot: no data file is read, nothing is scored.
    Runnable restore = hide(dataFiles(table, k -> true));
    try {
      ChangePlan idle = Shardscore.job(spark, job(table, "out", null)).plan();
      assertEquals(SHARDS, idle.inputFiles());
      assertEquals(0, idle.filesRead(), idle.fastPath());
      assertTrue(idle.nothingToDo(), idle.toString());
      assertTrue(idle.fastPath().contains("same snapshot " + m.input().version()), idle.fastPath());
      assertTrue(
          idle.changes().get(0).reason().contains("unchanged by metadata (not read)"),
          idle.changes().get(0).reason());
      ScoreResult nothing = Shardscore.job(spark, job(table, "out", null)).execute();
      assertEquals(0, nothing.rowsProcessed());
    } finally {
      restore.run();
    }

    // Ten new rows in shard 700-799: a new snapshot with one more data file.
    rows(7 * PER_SHARD + FILLED, 8 * PER_SHARD).coalesce(1).writeTo(table).append();
    // The snapshot the last commit read is expired: the decision needs only the manifest's files.
    try (org.apache.iceberg.hadoop.HadoopCatalog catalog =
        new org.apache.iceberg.hadoop.HadoopCatalog(
            spark.sparkContext().hadoopConfiguration(), dir.resolve("fastlake").toString())) {
      catalog
          .loadTable(org.apache.iceberg.catalog.TableIdentifier.of("db", "customers"))
          .expireSnapshots()
          .expireOlderThan(System.currentTimeMillis() + 1)
          .retainLast(1)
          .commit();
    }
    spark.sql("REFRESH TABLE " + table); // the session's catalog caches the table
    assertEquals(1L, spark.sql("SELECT * FROM " + table + ".snapshots").count());
    List<Path> unchanged = dataFiles(table, k -> k < 700 || k > 799);
    assertEquals(SHARDS - 1, unchanged.size());
    ScoreResult second;
    restore = hide(unchanged);
    try {
      ChangePlan plan = Shardscore.job(spark, job(table, "out", null)).plan();
      assertEquals(List.of("700-799"), scoredShards(plan), plan.toString());
      assertEquals(SHARDS + 1, plan.inputFiles());
      assertEquals(2, plan.filesRead(), "the shard's old file and the appended one");
      assertTrue(
          plan.fastPath().contains("unchanged by their data files (not read); read 2 of 21"),
          plan.fastPath());
      second = Shardscore.job(spark, job(table, "out", null)).execute();
    } finally {
      restore.run();
    }
    assertEquals(PER_SHARD, second.rowsProcessed(), "only shard 700-799 is scored");
    assertEquals(SHARDS * FILLED + 10, second.rowsScored() + second.rowsRejected());
    Manifest after = Shardscore.manifest(spark, dir.resolve("out").toString()).get();
    assertTrue(!after.input().version().equals(m.input().version()), "the new snapshot");
    assertEquals(SHARDS + 1, after.input().files().size());

    ScoreResult clean = Shardscore.job(spark, job(table, "out-clean", null)).execute();
    assertEquals(scores(clean.dataset()), scores(second.dataset()));
    assertTrue(
        Shardscore.job(spark, job(table, "out", null)).verifyContent(true).plan().nothingToDo(),
        "a full content check agrees");
  }

  @Test
  void aChangedFilterACompactionAndARowLevelDeleteNeverSkipAChangedShard() throws Exception {
    String table = clusteredTable("fastlake_fb");
    String where = "customer_id >= 50";
    Shardscore.job(spark, job(table, "fb", null)).execute();

    // A changed filter: the metadata cannot tell, every row is read; shard 0-99 lost rows.
    ChangePlan filtered = Shardscore.job(spark, job(table, "fb", where)).plan();
    assertTrue(filtered.fastPath().contains("input.where changed"), filtered.fastPath());
    assertEquals(filtered.inputFiles(), filtered.filesRead());
    assertEquals(List.of("0-99"), scoredShards(filtered));
    Shardscore.job(spark, job(table, "fb", where)).execute();
    ChangePlan same = Shardscore.job(spark, job(table, "fb", where)).plan();
    assertEquals(0, same.filesRead(), "the same filter again: " + same.fastPath());
    // A filter whose rows may change while no file does (a date function): every row is read.
    ChangePlan dated =
        Shardscore.job(spark, job(table, "fb", where + " AND current_date() > DATE'2000-01-01'"))
            .plan();
    assertTrue(dated.fastPath().contains("calls current_date()"), dated.fastPath());
    assertEquals(dated.inputFiles(), dated.filesRead());

    // A compaction of shards 300-399 and 400-499 into one file, same rows: those shards are read
    // (their files changed), their fingerprints show nothing changed.
    Dataset<Row> compacted =
        spark.createDataFrame(
            spark.table(table).where(col("customer_id").between(300, 499)).collectAsList(),
            spark.table(table).schema());
    compacted.coalesce(1).writeTo(table).overwrite(col("customer_id").between(300, 499));
    ChangePlan afterCompaction = Shardscore.job(spark, job(table, "fb", where)).plan();
    assertEquals(1, afterCompaction.filesRead(), afterCompaction.fastPath());
    assertTrue(afterCompaction.nothingToDo(), afterCompaction.toString());
    Shardscore.job(spark, job(table, "fb", where)).execute(); // records the compacted file

    // A row-level delete writes a delete file: the metadata cannot tell which rows it removes.
    spark.sql("DELETE FROM " + table + " WHERE customer_id = 1005");
    ChangePlan deleted = Shardscore.job(spark, job(table, "fb", where)).plan();
    assertNotNull(deleted.fastPath());
    assertTrue(deleted.fastPath().contains("delete file"), deleted.fastPath());
    assertEquals(List.of("1000-1099"), scoredShards(deleted));
    ScoreResult r = Shardscore.job(spark, job(table, "fb", where)).execute();
    assertEquals(r.rowsIn(), r.rowsScored() + r.rowsRejected());
    // After a run at a snapshot with delete files no shard's files are recorded, so the next run
    // decides by fingerprints again.
    ChangePlan next = Shardscore.job(spark, job(table, "fb", where)).plan();
    assertEquals(next.inputFiles(), next.filesRead(), String.valueOf(next.fastPath()));
    assertTrue(next.nothingToDo());

    ScoreResult clean = Shardscore.job(spark, job(table, "fb-clean", where)).execute();
    assertEquals(scores(clean.dataset()), scores(r.dataset()));
  }

  @Test
  void underAFailPolicyAnAppendOfKeysOutsideEveryRangeFailsTheRunInsteadOfBeingSkipped()
      throws Exception {
    String table = clusteredTable("fastlake_fail");
    JobYaml yaml =
        JobYaml.demo("unused", model, dir.resolve("strict"))
            .remove("input.path")
            .set("input.table", table)
            .set("output.mode", "incremental")
            .set("sharding.ranges", JobYaml.quoted(ranges))
            .set("sharding.unmatched", "fail")
            .set("sharding.null-keys", "fail")
            .set("model.features", JobYaml.flow(DemoData.FEATURES));
    JobConfig strict = JobConfigReader.parse(yaml.text(), "test job");
    Shardscore.job(spark, strict).execute();
    long version = Shardscore.manifest(spark, dir.resolve("strict").toString()).get().version();
    ChangePlan idle = Shardscore.job(spark, strict).plan();
    assertEquals(0, idle.filesRead(), idle.fastPath());

    // Keys 5000-5004 lie outside every range: their file is read and the run fails.
    DemoData.frame(spark, 5005, 1, false)
        .where(col("customer_id").geq(5000))
        .coalesce(1)
        .writeTo(table)
        .append();
    ScoringFailedException e =
        assertThrows(ScoringFailedException.class, () -> Shardscore.job(spark, strict).execute());
    assertEquals(ScoringFailedException.Reason.STRAY_KEYS, e.reason(), e.getMessage());
    assertEquals(
        version,
        Shardscore.manifest(spark, dir.resolve("strict").toString()).get().version(),
        "nothing committed");
  }
}

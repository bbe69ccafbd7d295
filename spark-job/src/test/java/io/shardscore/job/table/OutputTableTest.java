package io.shardscore.job.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.Faults;
import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.store.FaultInjection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * output.table for real: an Iceberg Hadoop catalog on the local file system, runs of the real job.
 * The table equals {@code Shardscore.read} by key after each commit (first run, incremental rerun
 * that changes one shard and empties another), stays at its version through failed runs, and a
 * crash between the commit and the refresh is repaired by the next run.
 */
class OutputTableTest {
  private static final String CATALOG = "scorelake";
  private static final String RANGES = "0-99,100-199,200-299,300-399";
  private static final long ROWS = 400;

  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;

  @BeforeAll
  static void catalog() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    String prefix = "spark.sql.catalog." + CATALOG;
    spark.conf().set(prefix, "org.apache.iceberg.spark.SparkCatalog");
    spark.conf().set(prefix + ".type", "hadoop");
    spark.conf().set(prefix + ".warehouse", dir.resolve("warehouse").toString());
  }

  /** Demo customers without defects, with {@code change} applied, written to {@code name}. */
  private static Path input(String name, java.util.function.UnaryOperator<Dataset<Row>> change) {
    Path p = dir.resolve("inputs").resolve(name);
    change.apply(DemoData.frame(spark, ROWS, 2, false)).write().parquet(p.toString());
    return p;
  }

  private static JobConfig job(Path input, Path out, String table, String extra) {
    JobYaml yaml =
        JobYaml.demo(input, model, out)
            .set("output.mode", "incremental")
            .set("sharding.ranges", JobYaml.quoted(RANGES))
            .set("model.features", JobYaml.flow(DemoData.FEATURES));
    if (table != null) {
      yaml.set("output.table", table);
    }
    return JobConfigReader.parse(yaml.text() + extra, "test job");
  }

  private static Column id() {
    return functions.col("customer_id");
  }

  /** customer_id to (score, shard). */
  private static Map<Long, String> byKey(Dataset<Row> rows) {
    Map<Long, String> out = new HashMap<>();
    for (Row r : rows.select("customer_id", "score", "shard").collectAsList()) {
      out.put(((Number) r.get(0)).longValue(), r.get(1) + "@" + r.get(2));
    }
    return out;
  }

  private static long shownVersion(String table) {
    List<Row> rows =
        spark
            .sql(
                "SELECT summary['"
                    + OutputTable.VERSION_PROPERTY
                    + "'] FROM "
                    + table
                    + ".snapshots ORDER BY committed_at DESC, snapshot_id DESC LIMIT 1")
            .collectAsList();
    return rows.isEmpty() ? 0 : Long.parseLong(rows.get(0).getString(0));
  }

  private static Set<String> files(String table, String shard) {
    Set<String> out = new HashSet<>();
    for (Row r :
        spark
            .sql(
                "SELECT file_path FROM " + table + ".files WHERE partition.shard = '" + shard + "'")
            .collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }

  private static void assertTableShowsTheCommit(String table, Path out, long version) {
    Dataset<Row> committed = Shardscore.read(spark, out.toString());
    assertEquals(version, Shardscore.manifest(spark, out.toString()).get().version());
    assertEquals(version, shownVersion(table), "the table records the version it shows");
    assertEquals(committed.count(), spark.sql("SELECT count(*) FROM " + table).first().getLong(0));
    assertEquals(byKey(committed), byKey(spark.table(table)), "the table's rows by key");
  }

  @Test
  void theTableFollowsEachCommitExactlyAndKeepsUnchangedShardsFiles() {
    String table = CATALOG + ".db.scores";
    Path out = dir.resolve("out-follow");
    Shardscore.job(spark, job(input("follow-1", d -> d), out, table, "")).execute();
    assertTableShowsTheCommit(table, out, 1);
    assertEquals(ROWS, spark.table(table).count());
    Set<String> shard0 = files(table, "0-99");
    assertFalse(shard0.isEmpty());

    // Shard 100-199 changes, shard 300-399 loses every row, the others stay as they were.
    Path second =
        input(
            "follow-2",
            d ->
                d.where(id().lt(300))
                    .withColumn(
                        DemoData.FEATURES.get(0),
                        functions
                            .when(
                                id().between(100, 199),
                                functions.col(DemoData.FEATURES.get(0)).plus(7))
                            .otherwise(functions.col(DemoData.FEATURES.get(0)))));
    assertEquals(2, Shardscore.job(spark, job(second, out, table, "")).plan().shardsToScore());
    Shardscore.job(spark, job(second, out, table, "")).execute();
    assertTableShowsTheCommit(table, out, 2);
    assertEquals(300, spark.table(table).count(), "the emptied shard's rows are gone");
    assertTrue(files(table, "300-399").isEmpty());
    assertEquals(shard0, files(table, "0-99"), "an unchanged shard keeps its files");
    assertEquals(
        2,
        spark.sql("SELECT count(*) FROM " + table + ".snapshots").first().getLong(0),
        "one table commit per output commit");

    // Nothing changed: nothing committed, the table stays as it is.
    Shardscore.job(spark, job(second, out, table, "")).execute();
    assertTableShowsTheCommit(table, out, 2);
  }

  @Test
  void aFailedRunLeavesTheTableAtThePreviousVersion() {
    String table = CATALOG + ".db.failed";
    Path out = dir.resolve("out-failed");
    Path first = input("failed-1", d -> d);
    Shardscore.job(spark, job(first, out, table, "")).execute();
    Map<Long, String> before = byKey(spark.table(table));

    // Over the error budget: a feature of shard 0-99 is null.
    Path broken =
        input(
            "failed-2",
            d ->
                d.withColumn(
                    DemoData.FEATURES.get(1),
                    functions
                        .when(id().lt(50), functions.lit(null))
                        .otherwise(functions.col(DemoData.FEATURES.get(1)))));
    assertThrows(
        ScoringFailedException.class,
        () ->
            Shardscore.job(spark, job(broken, out, table, "scoring:\n  max-error-fraction: 0.0\n"))
                .execute());
    assertTableShowsTheCommit(table, out, 1);
    assertEquals(before, byKey(spark.table(table)));

    // A crash just before the commit point.
    Path changed = input("failed-3", d -> d.where(id().lt(200)));
    Faults.crash(
        FaultInjection.BEFORE_MANIFEST,
        () -> Shardscore.job(spark, job(changed, out, table, "")).execute());
    assertTableShowsTheCommit(table, out, 1);
    assertEquals(before, byKey(spark.table(table)));

    // A first run that fails registers nothing.
    String fresh = CATALOG + ".db.never";
    assertThrows(
        ScoringFailedException.class,
        () ->
            Shardscore.job(
                    spark,
                    job(
                        broken,
                        dir.resolve("out-never"),
                        fresh,
                        "scoring:\n  max-error-fraction: 0.0\n"))
                .execute());
    assertFalse(spark.catalog().tableExists(fresh), "no table before a commit");
  }

  @Test
  void aCrashBetweenTheCommitAndTheRefreshIsRepairedByTheNextRun() {
    String table = CATALOG + ".db.repaired";
    Path out = dir.resolve("out-repaired");
    Shardscore.job(spark, job(input("repair-1", d -> d), out, table, "")).execute();
    Map<Long, String> v1 = byKey(spark.table(table));

    Path changed = input("repair-2", d -> d.where(id().geq(100)));
    Faults.crash(
        FaultInjection.BEFORE_PUBLISH,
        () -> Shardscore.job(spark, job(changed, out, table, "")).execute());
    // Version 2 is committed; the table still shows version 1, and can read it: the files
    // version 2 superseded are kept until the table has switched.
    assertEquals(2, Shardscore.manifest(spark, out.toString()).get().version());
    assertEquals(1, shownVersion(table));
    assertEquals(v1, byKey(spark.table(table)));

    // The next run (nothing to score) refreshes the table first.
    Shardscore.job(spark, job(changed, out, table, "")).execute();
    assertTableShowsTheCommit(table, out, 2);
    assertEquals(300, spark.table(table).count());
  }

  @Test
  void tablesThatCannotShowTheOutputAreRefusedBeforeAnythingIsWritten() throws Exception {
    Path in = input("refused", d -> d);

    Path out1 = dir.resolve("out-nocatalog");
    String noCatalog =
        assertThrows(
                JobConfigException.class,
                () -> Shardscore.job(spark, job(in, out1, "nocat.db.scores", "")).execute())
            .getMessage();
    assertTrue(noCatalog.contains("catalog 'nocat' is not registered"), noCatalog);
    assertFalse(Files.exists(out1.resolve("_shardscore")), "nothing written");

    spark.sql("CREATE TABLE " + CATALOG + ".db.theirs (id BIGINT) USING iceberg");
    Path out2 = dir.resolve("out-theirs");
    String theirs =
        assertThrows(
                JobConfigException.class,
                () -> Shardscore.job(spark, job(in, out2, CATALOG + ".db.theirs", "")).execute())
            .getMessage();
    assertTrue(
        theirs.contains(CATALOG + ".db.theirs exists and is not a shardscore output table"),
        theirs);
    assertFalse(Files.exists(out2.resolve("_shardscore")), "nothing written");

    String mine = CATALOG + ".db.mine";
    Path out3 = dir.resolve("out-mine");
    Shardscore.job(spark, job(in, out3, mine, "")).execute();
    Path out4 = dir.resolve("out-other");
    String other =
        assertThrows(
                JobConfigException.class,
                () -> Shardscore.job(spark, job(in, out4, mine, "")).execute())
            .getMessage();
    assertTrue(other.contains("shows the commits of"), other);
    assertTrue(other.contains("out-mine"), other);

    String session =
        assertThrows(
                JobConfigException.class,
                () ->
                    Shardscore.job(spark, job(in, dir.resolve("out-session"), "default.scores", ""))
                        .execute())
            .getMessage();
    assertTrue(session.contains("not an Iceberg catalog"), session);
  }
}

package io.shardscore.job.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.run.PreparedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A catalog table read with reader options and while it changes, for real (an Iceberg Hadoop
 * catalog on the local file system): a snapshot chosen by {@code versionAsOf}/{@code timestampAsOf}
 * in {@code input.options} is read as chosen, not refused for the run's own pin; options without a
 * value are config errors; an append between census and scoring is not read; a non-deterministic
 * filter adds up or commits nothing.
 */
class TableInputOptionsTest {
  private static final int SHARDS = 10;
  private static final int PER_SHARD = 100;
  private static final String CATALOG = "attacklake";

  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static String ranges;

  @BeforeAll
  static void setUp() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    IcebergCatalog.hadoop(spark, CATALOG, dir.resolve("warehouse"));
    List<String> r = new ArrayList<>();
    for (int s = 0; s < SHARDS; s++) {
      r.add(s * PER_SHARD + "-" + ((s + 1) * PER_SHARD - 1));
    }
    ranges = String.join(",", r);
  }

  private static Dataset<Row> rows(long from, long to) {
    return DemoData.frame(spark, SHARDS * PER_SHARD, 2, false)
        .where(functions.col("customer_id").between(from, to - 1));
  }

  /** A table of two snapshots: 500 rows, then 400 more. Returns the first snapshot's id. */
  private static String twoSnapshots(String table) throws Exception {
    rows(0, 500).writeTo(table).using("iceberg").create();
    String v1 = snapshot(table);
    rows(500, 900).writeTo(table).append();
    return v1;
  }

  private static String snapshot(String table) {
    return spark
        .sql("SELECT snapshot_id FROM " + table + ".snapshots ORDER BY committed_at DESC LIMIT 1")
        .first()
        .get(0)
        .toString();
  }

  private static JobYaml yaml(String table, String out) {
    return JobYaml.demo("unused", model, dir.resolve(out))
        .remove("input.path")
        .set("input.table", table)
        .set("sharding.ranges", JobYaml.quoted(ranges))
        .set("model.features", JobYaml.flow(DemoData.FEATURES));
  }

  private static JobConfig job(JobYaml yaml) {
    return JobConfigReader.parse(yaml.text(), "test job");
  }

  private static Manifest manifest(String out) {
    return Shardscore.manifest(spark, dir.resolve(out).toString()).get();
  }

  @Test
  void versionAsOfInTheOptionsIsReadAndRecorded() throws Exception {
    String table = CATALOG + ".db.by_option";
    String v1 = twoSnapshots(table);
    ScoreResult r =
        Shardscore.job(
                spark,
                job(
                    yaml(table, "out-version-option")
                        .set("input.options", "{versionAsOf: " + v1 + "}")))
            .execute();
    assertEquals(500, r.rowsIn(), "versionAsOf chooses the first snapshot");
    assertEquals(v1, manifest("out-version-option").input().version());
  }

  @Test
  void timestampAsOfInTheOptionsReadsThatSnapshot() throws Exception {
    String table = CATALOG + ".db.by_time";
    rows(0, 500).writeTo(table).using("iceberg").create();
    String at =
        spark
            .sql("SELECT CAST(committed_at AS STRING) FROM " + table + ".snapshots")
            .first()
            .getString(0);
    rows(500, 900).writeTo(table).append();
    ScoreResult r =
        Shardscore.job(
                spark,
                job(yaml(table, "out-time").set("input.options", "{timestampAsOf: '" + at + "'}")))
            .execute();
    assertEquals(500, r.rowsIn(), "timestampAsOf chooses the first snapshot");
    assertEquals(null, manifest("out-time").input().version(), "not the current snapshot");
  }

  @Test
  void anOptionWithoutValueIsAConfigErrorForATable() throws Exception {
    String table = CATALOG + ".db.null_option";
    rows(0, 100).writeTo(table).using("iceberg").create();
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () ->
                Shardscore.job(
                        spark, job(yaml(table, "out-null").set("input.options", "{split-size: }")))
                    .execute());
    assertTrue(e.getMessage().contains("input.options.split-size has no value"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("out-null")));
    JobConfigException both =
        assertThrows(
            JobConfigException.class,
            () ->
                Shardscore.job(
                        spark,
                        job(
                            yaml(table, "out-both")
                                .set("input.version", "1")
                                .set("input.options", "{versionAsOf: 2}")))
                    .execute());
    assertTrue(
        both.getMessage().contains("input sets both version (1) and options.versionAsOf"),
        both.getMessage());
  }

  @Test
  void anAppendBetweenCensusAndScoringIsNotRead() throws Exception {
    String table = CATALOG + ".db.pinned";
    rows(0, 500).writeTo(table).using("iceberg").create();
    String v1 = snapshot(table);
    PreparedRun prepared = Shardscore.job(spark, job(yaml(table, "out-pinned"))).prepare();
    rows(500, 900).writeTo(table).append();
    ScoreResult r = Shardscore.job(spark, job(yaml(table, "out-pinned"))).execute(prepared);
    assertEquals(500, r.rowsIn());
    assertEquals(500, r.rowsScored() + r.rowsRejected());
    assertEquals(v1, manifest("out-pinned").input().version());
    assertEquals(500, manifest("out-pinned").totalRows() + manifest("out-pinned").totalErrorRows());
  }

  @Test
  void aRandomFilterEitherAddsUpOrCommitsNothing() throws Exception {
    String table = CATALOG + ".db.random";
    rows(0, 900).writeTo(table).using("iceberg").create();
    JobYaml y = yaml(table, "out-rand").set("input.where", JobYaml.quoted("rand() < 0.5"));
    try {
      ScoreResult r = Shardscore.job(spark, job(y)).execute();
      Manifest m = manifest("out-rand");
      assertEquals(r.rowsIn(), m.totalRows() + m.totalErrorRows());
      assertEquals(r.rowsIn(), r.dataset().count());
    } catch (RuntimeException e) {
      assertTrue(
          Shardscore.manifest(spark, dir.resolve("out-rand").toString()).isEmpty(),
          "failed but committed: " + e);
    }
  }

  @Test
  void aNarrowerFilterInAnIncrementalRunEmptiesTheShardsItNoLongerSelects() throws Exception {
    String table = CATALOG + ".db.narrowed";
    rows(0, 500).writeTo(table).using("iceberg").create();
    JobYaml wide =
        yaml(table, "out-narrowed")
            .set("output.mode", "incremental")
            .set("input.where", JobYaml.quoted("customer_id < 500"));
    assertEquals(500, Shardscore.job(spark, job(wide)).execute().rowsIn());
    JobYaml narrow = wide.set("input.where", JobYaml.quoted("customer_id < 300"));
    io.shardscore.job.change.ChangePlan plan = Shardscore.job(spark, job(narrow)).plan();
    assertEquals(2, plan.shardsToScore(), plan.toString());
    ScoreResult r = Shardscore.job(spark, job(narrow)).execute();
    assertEquals(0, r.rowsProcessed(), "the two shards now hold no rows");
    Manifest m = manifest("out-narrowed");
    assertEquals(300, m.totalRows() + m.totalErrorRows(), "the output is the filtered input");
    assertEquals(300, r.dataset().count());
  }

  @Test
  void aVersionOfATableWithoutSnapshotsIsAConfigErrorNotIgnored() throws Exception {
    rows(0, 300)
        .write()
        .format("parquet")
        .option("path", dir.resolve("plain").toString())
        .saveAsTable("default.plain_attack");
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () ->
                Shardscore.job(
                        spark,
                        job(
                            yaml("spark_catalog.default.plain_attack", "out-plain-version")
                                .set("input.version", "1")))
                    .execute());
    assertTrue(e.getMessage().contains("input.version 1 of input.table"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("out-plain-version")));
    ScoreResult r =
        Shardscore.job(spark, job(yaml("spark_catalog.default.plain_attack", "out-plain")))
            .execute();
    assertEquals(300, r.rowsIn());
    assertEquals(null, manifest("out-plain").input().version(), "no snapshot to record");
  }
}

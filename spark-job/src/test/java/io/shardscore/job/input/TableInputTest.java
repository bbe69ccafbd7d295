package io.shardscore.job.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A catalog table as input, for real: an Iceberg table in a Hadoop catalog on the local file system
 * (read at its current snapshot, pinned and recorded in the manifest, or at an older one; filtered;
 * appended to and rerun incrementally). Delta by path is DeltaInputIT's (its session needs Delta's
 * extension, a static setting).
 */
class TableInputTest {
  private static final int SHARDS = 20;
  private static final int PER_SHARD = 100;
  private static final String CATALOG = "tablelake";
  private static final String TABLE = CATALOG + ".db.customers";

  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static String ranges;
  static String firstSnapshot;

  @BeforeAll
  static void table() throws Exception {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    IcebergCatalog.hadoop(spark, CATALOG, dir.resolve("warehouse"));
    List<String> r = new ArrayList<>();
    for (int s = 0; s < SHARDS; s++) {
      r.add(s * PER_SHARD + "-" + ((s + 1) * PER_SHARD - 1));
    }
    ranges = String.join(",", r);
    // Every shard but the last holds rows; the last one's range gets rows by an append later.
    rows(0, (SHARDS - 1) * PER_SHARD).writeTo(TABLE).using("iceberg").create();
    firstSnapshot = currentSnapshot();
  }

  /** Demo customers with ids [from, to), without defects. */
  private static Dataset<Row> rows(long from, long to) {
    return DemoData.frame(spark, SHARDS * PER_SHARD, 2, false)
        .where(functions.col("customer_id").between(from, to - 1));
  }

  private static String currentSnapshot() {
    return spark
        .sql("SELECT snapshot_id FROM " + TABLE + ".snapshots ORDER BY committed_at DESC LIMIT 1")
        .first()
        .get(0)
        .toString();
  }

  private static JobYaml yaml(String out) {
    return JobYaml.demo("unused", model, dir.resolve(out))
        .remove("input.path")
        .set("input.table", TABLE)
        .set("sharding.ranges", JobYaml.quoted(ranges))
        .set("model.features", JobYaml.flow(DemoData.FEATURES));
  }

  private static JobConfig job(JobYaml yaml) {
    return JobConfigReader.parse(yaml.text(), "test job");
  }

  private static Map<Long, Double> scores(Dataset<Row> rows) {
    Map<Long, Double> out = new HashMap<>();
    for (Row row : rows.select("customer_id", "score").collectAsList()) {
      out.put(((Number) row.get(0)).longValue(), ((Number) row.get(1)).doubleValue());
    }
    return out;
  }

  @Test
  void aTableIsScoredAtItsCurrentSnapshotWhichTheManifestRecords() throws Exception {
    ScoreResult r = Shardscore.job(spark, job(yaml("out-current"))).execute();
    long rows = spark.table(TABLE).count();
    assertEquals(rows, r.rowsIn());
    assertEquals(rows, r.rowsScored() + r.rowsRejected());
    Manifest m = Shardscore.manifest(spark, dir.resolve("out-current").toString()).get();
    assertNotNull(m.input(), "the manifest names the table it read");
    assertEquals(TABLE, m.input().root());
    assertEquals(currentSnapshot(), m.input().version());

    // The same rows as a Parquet path get the same predictions.
    Path copy = dir.resolve("copy");
    spark.table(TABLE).write().parquet(copy.toString());
    JobYaml asFiles =
        JobYaml.demo(copy, model, dir.resolve("out-copy"))
            .set("sharding.ranges", JobYaml.quoted(ranges))
            .set("model.features", JobYaml.flow(DemoData.FEATURES));
    Map<Long, Double> expected = scores(Shardscore.job(spark, job(asFiles)).execute().dataset());
    assertEquals(expected, scores(r.dataset()));
  }

  @Test
  void anAppendToOneShardRescoresThatShardOnly() throws Exception {
    String out = "out-incremental";
    Path appended = dir.resolve("appended-warehouse");
    String catalog = CATALOG + "_inc";
    String table = catalog + ".db.customers";
    IcebergCatalog.hadoop(spark, catalog, appended);
    rows(0, (SHARDS - 1) * PER_SHARD).writeTo(table).using("iceberg").create();
    JobYaml yaml = yaml(out).set("input.table", table).set("output.mode", "incremental");
    Shardscore.job(spark, job(yaml)).execute();
    String before = Shardscore.manifest(spark, dir.resolve(out).toString()).get().input().version();

    rows((SHARDS - 1) * PER_SHARD, (SHARDS - 1) * PER_SHARD + 10).writeTo(table).append();
    ChangePlan plan = Shardscore.job(spark, job(yaml)).plan();
    assertEquals(1, plan.shardsToScore(), plan.toString());
    ScoreResult r = Shardscore.job(spark, job(yaml)).execute();
    assertEquals(10, r.rowsProcessed(), "only the appended shard's rows are scored");
    String after = Shardscore.manifest(spark, dir.resolve(out).toString()).get().input().version();
    assertNotEquals(before, after, "the manifest records the new snapshot");

    ScoreResult clean =
        Shardscore.job(spark, job(yaml("out-clean").set("input.table", table))).execute();
    assertEquals(scores(clean.dataset()), scores(r.dataset()));
  }

  @Test
  void anOlderSnapshotAndAFilterAreReadAsConfigured() throws Exception {
    // A second snapshot: the table grows; reading the first one sees the rows it had then.
    String catalog = CATALOG + "_ver";
    String table = catalog + ".db.customers";
    IcebergCatalog.hadoop(spark, catalog, dir.resolve("ver-wh"));
    rows(0, 500).writeTo(table).using("iceberg").create();
    String v1 =
        spark.sql("SELECT snapshot_id FROM " + table + ".snapshots").first().get(0).toString();
    rows(500, 900).writeTo(table).append();

    ScoreResult old =
        Shardscore.job(
                spark, job(yaml("out-v1").set("input.table", table).set("input.version", v1)))
            .execute();
    assertEquals(500, old.rowsIn());
    assertEquals(
        v1, Shardscore.manifest(spark, dir.resolve("out-v1").toString()).get().input().version());

    ScoreResult filtered =
        Shardscore.job(
                spark,
                job(
                    yaml("out-where")
                        .set("input.table", table)
                        .set("input.where", JobYaml.quoted("customer_id < 300"))))
            .execute();
    assertEquals(300, filtered.rowsIn());
  }

  @Test
  void aMissingTableAnUnknownVersionAndABadFilterAreConfigErrorsThatWriteNothing() {
    String missing =
        assertThrows(
                JobConfigException.class,
                () ->
                    Shardscore.job(
                            spark,
                            job(yaml("out-missing").set("input.table", CATALOG + ".db.nope")))
                        .execute())
            .getMessage();
    assertTrue(missing.contains("input.table " + CATALOG + ".db.nope does not exist"), missing);
    assertTrue(missing.contains("Catalogs of this session"), missing);

    String version =
        assertThrows(
                JobConfigException.class,
                () ->
                    Shardscore.job(spark, job(yaml("out-version").set("input.version", "12345")))
                        .execute())
            .getMessage();
    assertTrue(version.contains("input.version 12345 of input.table " + TABLE), version);

    String where =
        assertThrows(
                JobConfigException.class,
                () ->
                    Shardscore.job(
                            spark,
                            job(
                                yaml("out-where-bad")
                                    .set("input.where", JobYaml.quoted("regoin = 1"))))
                        .execute())
            .getMessage();
    assertTrue(where.contains("input.where 'regoin = 1'"), where);

    String both =
        assertThrows(
                JobConfigException.class,
                () ->
                    Shardscore.job(spark, job(yaml("out-both").set("input.path", "somewhere")))
                        .execute())
            .getMessage();
    assertTrue(both.contains("input sets both path"), both);
    for (String out : List.of("out-missing", "out-version", "out-where-bad", "out-both")) {
      assertTrue(!Files.exists(dir.resolve(out)), out + " written");
    }
  }
}

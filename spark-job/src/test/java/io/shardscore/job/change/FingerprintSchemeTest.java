package io.shardscore.job.change;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output committed under fingerprint scheme 1 (manifests written before schemes were recorded,
 * whose array rows hashed element by element): where the rows hold arrays of fixed-width numbers,
 * its fingerprints say nothing about today's hashes, so the next incremental run scores every shard
 * once, saying why, instead of trusting them (the metadata fast path included), and records
 * scheme-2 fingerprints that later runs match. Where they hold none, the rows hash as they did, the
 * fingerprints stay scheme 1 and the output is kept whole.
 */
class FingerprintSchemeTest {
  @TempDir Path dir;

  /** Rewrites every committed manifest as scheme 1 wrote it: {@code <rows>:<hex>} fingerprints. */
  private static void asSchemeOne(Path out) throws Exception {
    try (Stream<Path> files = Files.walk(out.resolve("_shardscore"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        String json = Files.readString(f, StandardCharsets.UTF_8);
        Files.writeString(f, json.replace("\"s2:", "\""), StandardCharsets.UTF_8);
      }
    }
  }

  @Test
  void shardsCommittedUnderSchemeOneAreScoredOnceThenKept() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path model = SparkTestSession.model(dir);
    Path input = dir.resolve("in");
    // DemoData has a 6-float array feature, hashed in bulk since scheme 2.
    DemoData.frame(spark, 4000, 2, false).write().parquet(input.toString());
    Path out = dir.resolve("out");
    JobConfig job =
        SparkTestSession.job(input, model, out, "0-1999,2000-3999", "")
            .withOutput(new OutputConfig(out.toString(), "incremental"));
    Shardscore.job(spark, job).execute();
    asSchemeOne(out);
    Manifest old = Shardscore.manifest(spark, out.toString()).orElseThrow();
    old.shards().forEach(s -> assertEquals(1, ShardFingerprint.decode(s.fingerprint()).scheme()));

    ChangePlan plan = Shardscore.job(spark, job).plan();
    for (ShardChange c : plan.changes()) {
      assertEquals(ShardChange.Status.CHANGED, c.status(), c.toString());
      assertTrue(
          c.reason().startsWith("fingerprint scheme changed (committed under scheme 1"),
          c.reason());
    }
    // Scoring checks that the tasks' fingerprints equal the census's (driver-side) ones.
    ScoreResult rescored = Shardscore.job(spark, job).execute();
    assertEquals(4000, rescored.rowsIn());
    Manifest now = Shardscore.manifest(spark, out.toString()).orElseThrow();
    now.shards().forEach(s -> assertTrue(s.fingerprint().startsWith("s2:"), s.fingerprint()));

    ChangePlan after = Shardscore.job(spark, job).plan();
    List<ShardChange.Status> statuses = after.changes().stream().map(ShardChange::status).toList();
    assertTrue(
        statuses.stream().allMatch(s -> s == ShardChange.Status.UNCHANGED), statuses.toString());
  }

  /**
   * The demo table with its 6-double array feature as 6 scalar columns {@code spend_0..5} (so that
   * no carried column is an array of numbers), plus {@code tags}, an array of ints that only a
   * passthrough listing it carries.
   */
  private static Dataset<Row> scalarFeatures(SparkSession spark, long rows) {
    Dataset<Row> demo = DemoData.frame(spark, rows, 2, false);
    for (int m = 0; m < 6; m++) {
      demo = demo.withColumn("spend_" + m, col("spend_by_month").getItem(m));
    }
    return demo.withColumn(
            "tags", array(col("age"), col("support_calls"), col("age").cast(DataTypes.IntegerType)))
        .drop("spend_by_month");
  }

  private static JobConfig scalarJob(Path input, Path model, Path out, String passthrough) {
    List<String> features = new ArrayList<>(DemoData.FEATURES.subList(0, 14));
    for (int m = 0; m < 6; m++) {
      features.add("spend_" + m);
    }
    return JobYaml.demo(input, model, out)
        .set("sharding.ranges", JobYaml.quoted("0-1999,2000-3999"))
        .set("sharding.max-rows-per-partition", 4000)
        .set("model.features", JobYaml.flow(features))
        .set("scoring.passthrough", passthrough)
        .parse("test job")
        .withOutput(new OutputConfig(out.toString(), "incremental"));
  }

  @Test
  void outputsWithoutNumericArraysKeepTheirSchemeOneFingerprints() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path model = SparkTestSession.model(dir);
    Path input = dir.resolve("in");
    scalarFeatures(spark, 4000).write().parquet(input.toString());
    Path out = dir.resolve("out");
    JobConfig job = scalarJob(input, model, out, "[customer_id, name, country]");
    Shardscore.job(spark, job).execute();
    // Rows without numeric arrays hash as under scheme 1: the old form, as earlier versions wrote.
    Manifest first = Shardscore.manifest(spark, out.toString()).orElseThrow();
    for (Manifest.ShardEntry s : first.shards()) {
      assertFalse(s.fingerprint().startsWith("s"), s.fingerprint());
      assertEquals(1, ShardFingerprint.decode(s.fingerprint()).scheme());
    }
    // Both change checks keep every shard: the metadata fast path (reusing the stored
    // fingerprints) and a full census (hashing every row again).
    for (boolean verify : new boolean[] {false, true}) {
      ChangePlan plan = Shardscore.job(spark, job).verifyContent(verify).plan();
      for (ShardChange c : plan.changes()) {
        assertEquals(ShardChange.Status.UNCHANGED, c.status(), c.toString());
        assertFalse(c.reason().contains("scheme"), c.reason());
      }
      assertEquals(!verify, plan.fastPath().startsWith("metadata fast path:"), plan.fastPath());
    }
    ScoreResult kept = Shardscore.job(spark, job).verifyContent(true).execute();
    Manifest after = Shardscore.manifest(spark, out.toString()).orElseThrow();
    for (int i = 0; i < first.shards().size(); i++) {
      assertEquals(first.shards().get(i).fingerprint(), after.shards().get(i).fingerprint());
      assertEquals(first.shards().get(i).scoredBy(), after.shards().get(i).scoredBy());
    }
    assertEquals(4000, kept.rowsScored());
  }

  /**
   * Carrying a numeric array column or no longer carrying it switches the layout between schemes;
   * it changes the columns, so every shard is scored again for that (not for the scheme), and the
   * fingerprints the tasks took equal the census's under either scheme.
   */
  @Test
  void aColumnThatSwitchesTheSchemeRescoresForTheColumnChange() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path model = SparkTestSession.model(dir);
    Path input = dir.resolve("in");
    scalarFeatures(spark, 4000).write().parquet(input.toString());
    Path out = dir.resolve("out");
    JobConfig narrow = scalarJob(input, model, out, "[customer_id, name]");
    JobConfig wide = scalarJob(input, model, out, "[customer_id, name, tags]");
    Shardscore.job(spark, narrow).execute();
    int[] schemes = {2, 1};
    JobConfig[] jobs = {wide, narrow};
    for (int k = 0; k < jobs.length; k++) {
      ChangePlan plan = Shardscore.job(spark, jobs[k]).plan();
      for (ShardChange c : plan.changes()) {
        assertEquals(ShardChange.Status.CHANGED, c.status(), c.toString());
        assertEquals("prediction settings or stray-key policy changed", c.reason());
      }
      assertEquals(4000, Shardscore.job(spark, jobs[k]).execute().rowsIn());
      Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
      for (Manifest.ShardEntry s : m.shards()) {
        assertEquals(schemes[k], ShardFingerprint.decode(s.fingerprint()).scheme(), s.toString());
      }
      ChangePlan again = Shardscore.job(spark, jobs[k]).verifyContent(true).plan();
      assertTrue(again.nothingToDo(), again.changes().toString());
    }
  }
}

package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental runs score exactly what changed and leave everything else byte-identical. */
class IncrementalTest {
  private static final int SHARDS = 20;
  private static final int PER_SHARD = 1_000;
  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static Path base;
  static String ranges;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    base = dir.resolve("input-v1");
    // One defect per 1,000 rows, so every shard also has errors that must follow it.
    DemoData.frame(spark, SHARDS * PER_SHARD, 4, false)
        .withColumn(
            "monthly_charges",
            when(col("customer_id").mod(1000).equalTo(500), null).otherwise(col("monthly_charges")))
        .write()
        .parquet(base.toString());
    List<String> r = new ArrayList<>();
    for (int s = 0; s < SHARDS; s++) {
      r.add(s * PER_SHARD + "-" + ((s + 1) * PER_SHARD - 1));
    }
    ranges = String.join(",", r);
  }

  private static JobConfig job(Path input, Path out, Path modelFile, int batchSize, String ranges) {
    JobConfig c =
        SparkTestSession.job(input, modelFile, out, ranges, "")
            .withOutput(new OutputConfig(out.toString(), "incremental"));
    return c.withScoring(new ScoringConfig(batchSize, null, null));
  }

  private static Path changedInput(String name, Dataset<Row> frame) {
    Path p = dir.resolve(name);
    frame.write().mode(SaveMode.Overwrite).parquet(p.toString());
    return p;
  }

  /** Files of the output with their committed CRC32C, by path. */
  private static Map<String, String> crcs(Path out) {
    Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
    Map<String, String> files = new TreeMap<>();
    for (Manifest.ShardEntry s : m.shards()) {
      s.files().forEach(f -> files.put(f.path(), f.crc32c()));
      s.errorFiles().forEach(f -> files.put(f.path(), f.crc32c()));
    }
    return files;
  }

  private static Map<String, String> onDisk(Path out, String shard) {
    Map<String, String> all = SparkTestSession.listing(out);
    return all.entrySet().stream()
        .filter(e -> e.getKey().contains("shard=" + shard + "/"))
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  private static Map<String, String> statuses(ScoreResult r) {
    Map<String, String> m = new TreeMap<>();
    r.shards().forEach(s -> m.put(s.name(), s.status()));
    return m;
  }

  @Test
  void onlyChangedShardsAreScoredAndUntouchedShardsStayByteIdentical() throws Exception {
    Path out = dir.resolve("out");
    ScoreResult first = Shardscore.job(spark, job(base, out, model, 100, ranges)).execute();
    assertEquals(SHARDS * PER_SHARD, first.rowsIn());
    assertEquals(SHARDS * 10, first.batches(), "999 scorable rows per shard, batches of 100");
    Map<String, String> shard3Before = onDisk(out, "3000-3999");
    Map<String, String> crcBefore = crcs(out);

    // 1 of 20 shards changes: one feature of every row in 5000-5999.
    Path v2 =
        changedInput(
            "input-v2",
            spark
                .read()
                .parquet(base.toString())
                .withColumn(
                    "age",
                    when(col("customer_id").between(5000, 5999), col("age").plus(1))
                        .otherwise(col("age"))));
    ChangePlan plan = Shardscore.job(spark, job(v2, out, model, 100, ranges)).plan();
    List<ShardChange> changed = plan.changes().stream().filter(c -> c.status().scores()).toList();
    assertEquals(1, changed.size(), plan.toString());
    assertEquals("5000-5999", changed.get(0).name());
    assertEquals("input changed", changed.get(0).reason());
    assertEquals(PER_SHARD, plan.rowsToScore());

    ScoreResult second = Shardscore.job(spark, job(v2, out, model, 100, ranges)).execute();
    assertEquals(2, second.manifestVersion());
    assertEquals(PER_SHARD, second.rowsProcessed());
    assertEquals(10, second.batches(), "999 scorable rows in batches of 100: 10 model calls");
    Map<String, String> st = statuses(second);
    assertEquals("scored", st.get("5000-5999"));
    // The 19 other range shards and the (empty) unmatched and null-key shards are kept as they are.
    assertEquals(st.size() - 1, st.values().stream().filter("unchanged"::equals).count());
    assertEquals(shard3Before, onDisk(out, "3000-3999"), "untouched shard: same files, same bytes");
    Map<String, String> crcAfter = crcs(out);
    crcBefore.forEach(
        (path, crc) -> {
          if (!path.contains("shard=5000-5999/")) {
            assertEquals(crc, crcAfter.get(path), path);
          }
        });
    assertTrue(crcAfter.keySet().stream().anyMatch(p -> p.contains(second.runId())));
    assertEquals(SHARDS * (PER_SHARD - 1), spark.read().parquet(out.toString()).count());

    // Only the batch size changes: nothing is scored, nothing committed.
    Map<String, String> before = SparkTestSession.listing(out);
    ScoreResult third = Shardscore.job(spark, job(v2, out, model, 333, ranges)).execute();
    assertFalse(third.committed());
    assertEquals(2, third.manifestVersion());
    assertEquals(0, third.batches());
    assertEquals(before, SparkTestSession.listing(out));

    // A new model: every shard is scored again.
    Path model2 = dir.resolve("churn-v2.onnx");
    OnnxMlpWriter.write(Mlp.seeded(77, DemoData.WIDTH, 8, 2), model2);
    assertTrue(
        Shardscore.job(spark, job(v2, out, model2, 100, ranges)).plan().changes().stream()
            .allMatch(c -> c.reason().equals("model changed")));
    ScoreResult fourth = Shardscore.job(spark, job(v2, out, model2, 100, ranges)).execute();
    assertEquals(SHARDS * PER_SHARD, fourth.rowsProcessed());
    assertEquals(SHARDS * 10, fourth.batches());

    // The last shard disappears from the input and the plan: its files and errors go.
    Path v3 =
        changedInput("input-v3", spark.read().parquet(v2.toString()).where("customer_id < 19000"));
    String fewer = ranges.substring(0, ranges.lastIndexOf(','));
    ChangePlan deletion = Shardscore.job(spark, job(v3, out, model2, 100, fewer)).plan();
    assertEquals(
        ShardChange.Status.DELETED,
        deletion.changes().stream()
            .filter(c -> c.name().equals("19000-19999"))
            .findFirst()
            .orElseThrow()
            .status());
    ScoreResult fifth = Shardscore.job(spark, job(v3, out, model2, 100, fewer)).execute();
    assertEquals(0, fifth.rowsProcessed());
    assertTrue(onDisk(out, "19000-19999").isEmpty(), "deleted shard's data and errors are gone");
    assertEquals((SHARDS - 1) * (PER_SHARD - 1), spark.read().parquet(out.toString()).count());
    assertEquals(SHARDS - 1, spark.read().parquet(out.resolve("_errors").toString()).count());

    // The incrementally built output equals a clean run on the same input and model.
    Path clean = dir.resolve("clean");
    Shardscore.job(spark, job(v3, clean, model2, 100, fewer)).execute();
    assertSameResults(out, clean);
  }

  @Test
  void fingerprintsTakenByScoringTasksMatchTheCensusOfALaterIncrementalRun() {
    Path out = dir.resolve("after-overwrite");
    JobConfig full =
        job(base, out, model, 100, ranges)
            .withOutput(new OutputConfig(out.toString(), "overwrite"));
    Shardscore.job(spark, full).execute();
    ChangePlan plan =
        Shardscore.job(spark, job(base, out, model, 100, ranges)).verifyContent(true).plan();
    assertTrue(plan.nothingToDo(), "a full run's task fingerprints equal the census: " + plan);
  }

  @Test
  void chosenShardsAreScoredAndTheOthersKept() {
    Path out = dir.resolve("subset");
    Shardscore.job(spark, job(base, out, model, 500, ranges)).execute();
    ScoreResult r =
        Shardscore.job(spark, job(base, out, model, 500, ranges))
            .shards(Set.of("0-999", "7000-7999"))
            .execute();
    Map<String, String> st = statuses(r);
    assertEquals("scored", st.get("0-999"));
    assertEquals("scored", st.get("7000-7999"));
    assertEquals(st.size() - 2, st.values().stream().filter("kept"::equals).count());
    assertEquals(2 * PER_SHARD, r.rowsProcessed());
  }

  @Test
  void aCommittedQuantilePlanIsReusedUntilAReplanIsAsked() {
    Path out = dir.resolve("quantiles");
    JobConfig q =
        SparkTestSession.job(base, model, out, "0-1", "")
            .withSharding(
                new io.shardscore.job.config.ShardingConfig(
                    "customer_id", null, null, null, 4, null, null, 4000L))
            .withOutput(new OutputConfig(out.toString(), "incremental"));
    Shardscore.job(spark, q).execute();
    List<Manifest.PlannedShard> firstPlan =
        Shardscore.manifest(spark, out.toString()).orElseThrow().plan().shards();
    // Keys 0-9999 only: fresh quantiles would cut at ~2500, 5000, 7500.
    Path half =
        changedInput(
            "input-half", spark.read().parquet(base.toString()).where("customer_id < 10000"));
    JobConfig onHalf = q.withInput(new io.shardscore.job.config.InputConfig(half.toString(), null));
    ChangePlan reused = Shardscore.job(spark, onHalf).plan();
    assertFalse(reused.replanned());
    Shardscore.job(spark, onHalf).execute();
    assertEquals(
        firstPlan, Shardscore.manifest(spark, out.toString()).orElseThrow().plan().shards());
    ChangePlan fresh = Shardscore.job(spark, onHalf).replan(true).plan();
    assertTrue(fresh.replanned(), "a re-plan shows as one");
  }

  /** Same keys, same non-provenance columns, predictions within 1e-6, compared by key. */
  private static void assertSameResults(Path a, Path b) {
    Dataset<Row> x =
        Shardscore.read(spark, a.toString()).drop("run_id", "scored_at", "model_digest");
    Dataset<Row> y =
        Shardscore.read(spark, b.toString()).drop("run_id", "scored_at", "model_digest");
    assertEquals(x.count(), y.count());
    Dataset<Row> joined = x.as("x").join(y.as("y"), "customer_id");
    assertEquals(x.count(), joined.count(), "same keys");
    assertEquals(
        0,
        joined
            .where(
                "abs(x.score - y.score) > 1e-6 or x.label != y.label or x.shard != y.shard"
                    + " or x.age != y.age or x.name != y.name")
            .count());
    Dataset<Row> ex =
        Shardscore.readErrors(spark, a.toString()).select("customer_id", "error_reason");
    Dataset<Row> ey =
        Shardscore.readErrors(spark, b.toString()).select("customer_id", "error_reason");
    assertEquals(0, ex.except(ey).count() + ey.except(ex).count());
  }
}

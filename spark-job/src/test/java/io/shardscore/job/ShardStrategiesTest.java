package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hash buckets, quantile ranges and extreme keys, end to end through the library API. */
class ShardStrategiesTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;
  static SparkSession spark;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, 40_000);
    model = SparkTestSession.model(dir);
  }

  /** The demo job with one sharding setting besides the key, e.g. {@code quantiles: 4}. */
  private static String yaml(Path out, String shardingKey, Object value) {
    return JobYaml.demo(input, model, out)
        .set("sharding." + shardingKey, value)
        .set("model.features", JobYaml.flow(io.shardscore.job.demo.DemoData.FEATURES))
        .text();
  }

  @Test
  void quantileShardsHaveNearlyEqualRowsAndRecordTheirOrigin() {
    Path out = dir.resolve("quantiles");
    ScoreResult r =
        Shardscore.job(spark, JobConfigReader.parse(yaml(out, "quantiles", 4), "q")).execute();
    List<ShardStatus> planned = r.shards().stream().filter(s -> s.name().startsWith("q")).toList();
    assertEquals(4, planned.size());
    for (ShardStatus s : planned) {
      long total = s.rows() + s.errorRows();
      assertTrue(Math.abs(total - 10_000) < 500, s.name() + " has " + total + " rows");
    }
    Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
    assertEquals("quantiles", m.plan().origin());
    assertEquals(Long.MIN_VALUE, m.plan().shards().get(0).first());
    assertEquals(Long.MAX_VALUE, m.plan().shards().get(3).last());
  }

  @Test
  void hashBucketsScoreEveryRowOnceAcrossBucketFolders() {
    Path out = dir.resolve("hash");
    ScoreResult r =
        Shardscore.job(spark, JobConfigReader.parse(yaml(out, "hash-buckets", 5), "h")).execute();
    assertEquals(40_000, r.rowsIn());
    assertEquals(r.rowsIn(), r.rowsScored() + r.rowsRejected());
    Dataset<Row> scored = spark.read().parquet(out.toString());
    assertEquals(5, scored.select("shard").distinct().count());
    assertEquals(r.rowsScored(), scored.select("customer_id").distinct().count());
  }

  @Test
  void keysAtLongMinAndMaxAreShardedAndScored() {
    Path out = dir.resolve("extremes");
    StructType schema =
        new StructType()
            .add("customer_id", DataTypes.LongType)
            .add("a", DataTypes.DoubleType)
            .add("b", DataTypes.IntegerType);
    Dataset<Row> frame =
        spark.createDataFrame(
            List.of(
                RowFactory.create(Long.MIN_VALUE, 1.0, 1),
                RowFactory.create(-1L, 2.0, 2),
                RowFactory.create(0L, 3.0, 3),
                RowFactory.create(Long.MAX_VALUE, 4.0, 4)),
            schema);
    Path tiny = dir.resolve("tiny.onnx");
    try {
      io.shardscore.model.onnx.OnnxMlpWriter.write(
          io.shardscore.model.onnx.Mlp.seeded(3, 2, 4, 2), tiny);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ScoreResult r =
        Shardscore.job(spark)
            .input(frame)
            .shardByRanges("customer_id", "MIN--1,0-MAX")
            .model(tiny.toString(), List.of("a", "b"))
            .output(out.toString())
            .execute();
    assertEquals(4, r.rowsScored());
    List<Row> rows =
        r.dataset().orderBy("customer_id").select("customer_id", "shard").collectAsList();
    assertEquals(Long.MIN_VALUE, rows.get(0).getLong(0));
    assertEquals("MIN--1", rows.get(0).getString(1));
    assertEquals(Long.MAX_VALUE, rows.get(3).getLong(0));
    assertEquals("0-MAX", rows.get(3).getString(1));
  }

  /**
   * One key value holding 99 % of the rows: a hash of the key alone cannot split it, so the whole
   * value used to land in one of its shard's ten tasks. Rows are spread by a hash of the row.
   */
  @Test
  void aHotKeyValueIsSplitAcrossItsShardsTasks() {
    Path hotInput = dir.resolve("hot-input");
    spark
        .read()
        .parquet(input.toString())
        .limit(20_000)
        .withColumn(
            "customer_id",
            functions
                .when(functions.col("customer_id").lt(19_800), functions.lit(7L))
                .otherwise(functions.col("customer_id")))
        .write()
        .parquet(hotInput.toString());
    Path out = dir.resolve("hot");
    String yaml =
        JobYaml.demo(hotInput, model, out)
            .set("sharding.ranges", JobYaml.quoted("0-9999,10000-39999"))
            .set("sharding.max-rows-per-partition", 2000)
            .set("model.features", JobYaml.flow(io.shardscore.job.demo.DemoData.FEATURES))
            .text();
    ScoreResult r = Shardscore.job(spark, JobConfigReader.parse(yaml, "hot")).execute();
    assertEquals(20_000, r.rowsIn());
    assertEquals(r.rowsIn(), r.rowsScored() + r.rowsRejected());
    ShardStatus hot = r.shards().stream().filter(s -> s.name().equals("0-9999")).findFirst().get();
    assertEquals(10, hot.partitions());
    List<Row> perFile =
        spark
            .read()
            .parquet(out.resolve("shard=0-9999").toString())
            .groupBy(functions.input_file_name())
            .count()
            .collectAsList();
    assertEquals(10, perFile.size(), "every task of the hot shard wrote rows: " + perFile);
    long shardRows = hot.rows();
    for (Row f : perFile) {
      long rows = f.getLong(1);
      assertTrue(
          rows > shardRows / 10 / 2 && rows < shardRows / 10 * 2,
          "a task's share of the hot shard is near a tenth: " + perFile);
    }
    ScoreResult again =
        Shardscore.job(spark, JobConfigReader.parse(yaml, "hot"))
            .mode(io.shardscore.job.config.OutputMode.INCREMENTAL)
            .execute();
    assertEquals(0, again.rowsProcessed(), "nothing changed: nothing scored again");
  }
}

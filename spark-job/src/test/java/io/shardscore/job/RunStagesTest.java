package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.ModelOutputs;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.Causes;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.run.PreparedRun;
import io.shardscore.model.DevicePolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seams between the stages of a run: what each one promises to the next. */
class RunStagesTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;
  static SparkSession spark;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, 3_000);
    model = SparkTestSession.model(dir);
  }

  private static JobConfig job(Path out) {
    return SparkTestSession.job(input, model, out, "0-999,1000-1999,2000-2999", "");
  }

  /** Any evaluation of the key column fails: reading the rows at all shows up as this error. */
  private static Dataset<Row> rowsThatFailWhenRead() {
    Dataset<Row> rows = spark.read().parquet(input.toString());
    return rows.withColumn(
        "customer_id",
        when(col("customer_id").isNotNull(), raise_error(lit("the input was read")))
            .otherwise(col("customer_id")));
  }

  @Test
  void aShardNameThatIsNotInThePlanFailsBeforeAnyRowIsRead() {
    Path out = dir.resolve("typo");
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () ->
                Shardscore.job(spark, job(out))
                    .input(rowsThatFailWhenRead())
                    .shards(Set.of("0-999", "1000-1998"))
                    .execute());
    assertTrue(e.getMessage().contains("'1000-1998'"), e.getMessage());
    assertTrue(e.getMessage().contains("1000-1999"), e.getMessage());
    // The same job with a good name does read the rows (so the check above ran before the read).
    RuntimeException read =
        assertThrows(
            RuntimeException.class,
            () ->
                Shardscore.job(spark, job(out))
                    .input(rowsThatFailWhenRead())
                    .shards(Set.of("1000-1999"))
                    .execute());
    assertTrue(Causes.rootMessage(read).contains("the input was read"), Causes.rootMessage(read));
  }

  @Test
  void aPreparedRunExecutesWithTheCensusItWasPreparedWith() throws Exception {
    Path data = dir.resolve("growing");
    DemoData.frame(spark, 2_000, 2, true).write().parquet(data.toString());
    Path out = dir.resolve("prepared");
    ScoreJob job =
        Shardscore.job(spark, SparkTestSession.job(data, model, out, "0-999,1000-1999", ""))
            .mode(io.shardscore.job.config.OutputMode.OVERWRITE);
    PreparedRun prepared = job.prepare();
    assertEquals(2_000, prepared.changes().rowsToScore());
    // Rows added after preparing are not part of this run: it scores what it planned.
    DemoData.frame(spark, 500, 1, true).write().mode("append").parquet(data.toString());
    ScoreResult r = job.execute(prepared);
    assertEquals(2_000, r.rowsIn());
    assertEquals(2_000, r.rowsScored() + r.rowsRejected());
    assertEquals(r.runId(), prepared.runId());
    // A fresh run sees the appended rows.
    assertEquals(2_500, job.execute().rowsIn());
  }

  @Test
  void aPreparedRunBelongsToTheJobThatPreparedIt() {
    Path out = dir.resolve("preview");
    ScoreJob job = Shardscore.job(spark, job(out));
    PreparedRun prepared = job.prepare();
    ScoreJob other = Shardscore.job(spark, job(out)).batchSize(7);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> other.execute(prepared));
    assertTrue(e.getMessage().contains("prepare()"), e.getMessage());
    assertFalse(Shardscore.manifest(spark, out.toString()).isPresent());
  }

  @Test
  void fluentOptionsGiveTheSameConfigurationInAnyOrder() {
    ModelOutputs outputs = new ModelOutputs("p", "s", 1, null);
    List<String> features = List.of("age", "spend[6]");
    JobConfig a =
        Shardscore.job(spark)
            .shardByRanges("customer_id", "0-9,10-19")
            .maxRowsPerPartition(100)
            .model("m.onnx", features)
            .modelOutputs(outputs)
            .device(DevicePolicy.AUTO)
            .output("out")
            .mode(io.shardscore.job.config.OutputMode.INCREMENTAL)
            .config();
    JobConfig b =
        Shardscore.job(spark)
            .mode(io.shardscore.job.config.OutputMode.INCREMENTAL)
            .output("out")
            .device("auto")
            .modelOutputs(outputs)
            .model("m.onnx", features)
            .maxRowsPerPartition(100)
            .shardByRanges("customer_id", "0-9,10-19")
            .config();
    assertEquals(a, b);
  }

  @Test
  void theSummaryNamesEveryShardAndTheCommittedVersion() {
    Path out = dir.resolve("summary");
    ScoreResult r = Shardscore.job(spark, job(out)).execute();
    String summary = r.summary();
    for (String shard : List.of("0-999", "1000-1999", "2000-2999")) {
      assertTrue(summary.contains(shard), summary);
    }
    assertTrue(summary.contains("manifest version " + r.manifestVersion()), summary);
    assertEquals(3_000, r.dataset().count() + r.errors().count());
  }
}

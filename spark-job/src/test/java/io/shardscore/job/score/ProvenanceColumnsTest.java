package io.shardscore.job.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provenance columns, which tasks hand Parquet as one value per file ({@link ConstantStrings}),
 * read back as ordinary columns with the run's values, by a plain Parquet read of the output and by
 * {@link Shardscore#read}, in data and error rows.
 */
class ProvenanceColumnsTest {
  @TempDir Path dir;

  private static void assertProvenance(Dataset<Row> rows, String digest, String runId) {
    StructType schema = rows.schema();
    assertEquals(DataTypes.StringType, schema.apply("model_digest").dataType());
    assertEquals(DataTypes.StringType, schema.apply("run_id").dataType());
    assertEquals(DataTypes.TimestampType, schema.apply("scored_at").dataType());
    List<Row> distinct =
        rows.select("model_digest", "run_id", "scored_at").distinct().collectAsList();
    assertEquals(1, distinct.size(), distinct.toString());
    assertEquals(digest, distinct.get(0).getString(0));
    assertEquals(runId, distinct.get(0).getString(1));
    assertEquals(
        0,
        rows.filter("model_digest IS NULL OR run_id IS NULL OR scored_at IS NULL").count(),
        "no row without provenance");
  }

  @Test
  void provenanceReadsBackWithTheRunsValues() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path model = SparkTestSession.model(dir);
    Path input = dir.resolve("in");
    // A null feature every 1,000 rows: error rows, written by the tasks' error writers.
    DemoData.frame(spark, 3000, 2, false)
        .withColumn(
            "monthly_charges",
            when(col("customer_id").mod(1000).equalTo(500), null).otherwise(col("monthly_charges")))
        .write()
        .parquet(input.toString());
    Path out = dir.resolve("out");
    ScoreResult r =
        Shardscore.job(spark, SparkTestSession.job(input, model, out, "0-1499,1500-2999", ""))
            .execute();
    Manifest m = Shardscore.manifest(spark, out.toString()).orElseThrow();
    String digest = m.shards().get(0).modelDigest();

    Dataset<Row> plain = spark.read().parquet(out.toString());
    assertEquals(r.rowsScored(), plain.count());
    assertProvenance(plain, digest, r.runId());
    assertProvenance(Shardscore.read(spark, out.toString()), digest, r.runId());
    assertEquals(3, r.rowsRejected());
    assertProvenance(Shardscore.readErrors(spark, out.toString()), digest, r.runId());
  }
}

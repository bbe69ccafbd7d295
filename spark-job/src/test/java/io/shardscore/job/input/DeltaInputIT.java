package io.shardscore.job.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Delta table read by path, at its newest version and at an older one ({@code versionAsOf} in
 * {@code input.options}), on a session configured the way Delta requires (its SQL extension and
 * catalog are static settings, hence a JVM of its own).
 */
class DeltaInputIT {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void session() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("shardscore-delta-it")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Dataset<Row> rows(long from, long to) {
    return DemoData.frame(spark, 1_000, 2, false)
        .where(functions.col("customer_id").between(from, to - 1));
  }

  private static ScoreResult run(Path delta, String out, String options) {
    JobYaml yaml =
        JobYaml.demo(delta, SparkTestSession.model(dir), dir.resolve(out))
            .set("input.format", "delta")
            .set("sharding.ranges", JobYaml.quoted("0-499,500-999"))
            .set("model.features", JobYaml.flow(DemoData.FEATURES));
    if (options != null) {
      yaml.set("input.options", options);
    }
    return Shardscore.job(spark, JobConfigReader.parse(yaml.text(), "delta job")).execute();
  }

  @Test
  void aDeltaTableByPathAtItsNewestAndAtAnOlderVersion() {
    Path delta = dir.resolve("delta-customers");
    rows(0, 400).write().format("delta").save(delta.toString());
    rows(400, 700).write().format("delta").mode("append").save(delta.toString());

    ScoreResult newest = run(delta, "out-newest", null);
    assertEquals(700, newest.rowsIn());
    assertEquals(700, newest.rowsScored() + newest.rowsRejected());

    ScoreResult first = run(delta, "out-v0", "{versionAsOf: 0}");
    assertEquals(400, first.rowsIn());
    assertEquals(400, first.rowsScored() + first.rowsRejected());
  }
}

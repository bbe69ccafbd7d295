package io.shardscore.job.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code input.options.basePath} above a partition folder gives the rows its partition column; a
 * run that reads only some of the input's files (the shards an incremental run rescores) must keep
 * that column's values, not read it as null.
 */
class BasePathOptionTest {
  @TempDir static Path dir;

  @Test
  void aPartitionColumnFromTheUsersBasePathKeepsItsValuesInAPartialRead() {
    SparkSession spark = SparkTestSession.get();
    Path model = SparkTestSession.model(dir);
    Path data = dir.resolve("data");
    DemoData.frame(spark, 1000, 2, false)
        .withColumn("region", functions.lit("emea"))
        .repartitionByRange(4, functions.col("customer_id"))
        .write()
        .partitionBy("region")
        .parquet(data.toString());
    Path partition = data.resolve("region=emea");
    List<String> ranges = new ArrayList<>();
    for (int s = 0; s < 20; s++) {
      ranges.add(s * 100 + "-" + (s * 100 + 99));
    }
    JobYaml yaml =
        JobYaml.demo(partition, model, dir.resolve("out"))
            .set("input.options", "{basePath: '" + data + "'}")
            .set("output.mode", "incremental")
            .set("scoring.passthrough", "[region]")
            .set("sharding.ranges", JobYaml.quoted(String.join(",", ranges)))
            .set("model.features", JobYaml.flow(DemoData.FEATURES));
    ScoreResult first = Shardscore.job(spark, JobConfigReader.parse(yaml.text(), "job")).execute();
    assertEquals(0, first.dataset().where("region IS NULL OR region <> 'emea'").count());

    // New rows in a new file, in a shard of their own: the next run reads that file only.
    DemoData.frame(spark, 1010, 2, false)
        .where("customer_id >= 1000")
        .coalesce(1)
        .write()
        .mode(SaveMode.Append)
        .parquet(partition.toString());
    ScoreResult second = Shardscore.job(spark, JobConfigReader.parse(yaml.text(), "job")).execute();
    assertEquals(10, second.rowsProcessed());
    assertEquals(1010, second.dataset().count());
    assertEquals(
        0,
        second.dataset().where("region IS NULL OR region <> 'emea'").count(),
        "every row is in region=emea");
  }
}

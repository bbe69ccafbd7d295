package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.xxhash64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.plan.PartitionRouting;
import io.shardscore.job.plan.ShardAssignment;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.RangeList;
import io.shardscore.sharding.ShardPlacement;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.StrayKeyPolicy;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** Exact shard placement through Spark's own shuffle, checked with spark_partition_id(). */
class PlacementTest {

  @Test
  void everySparkPartitionHoldsRowsOfExactlyOneShardAndSplitsAreBalanced() {
    SparkSession spark = SparkTestSession.get();
    // Uneven shards: 10k, 95k (split in 4), 1 row, 60k (split in 3); budget 25k rows.
    List<KeyRange> ranges = RangeList.parse("0-9999,10000-104999,105000-105000,105001-165000");
    ShardPlan plan =
        ShardPlan.ofRanges(
            "k",
            ranges.stream().map(RangeList::defaultName).toList(),
            ranges,
            "ranges",
            StrayKeyPolicy.FAIL,
            StrayKeyPolicy.FAIL);
    long[] rows = {10_000, 95_000, 1, 60_000};
    ShardPlacement placement = ShardPlacement.plan(rows, 25_000);
    int partitions = placement.totalPartitions();
    assertEquals(1 + 4 + 1 + 3, partitions);
    int[] routes = PartitionRouting.routeValues(partitions);

    Column key = col("id").cast(DataTypes.LongType);
    Dataset<Row> placed =
        spark
            .range(0, 165_001, 1, 7)
            .select(
                col("id"),
                ShardAssignment.shardId(plan, key).as("shard"),
                ShardAssignment.routeValue(plan, placement, routes, key, xxhash64(col("id")))
                    .as("route"))
            .repartition(partitions, col("route"))
            .select(spark_partition_id().as("p"), col("shard"), col("id"));
    List<Row> perPartition =
        placed
            .groupBy("p")
            .agg(min("shard"), max("shard"), count("*"))
            .orderBy("p")
            .collectAsList();
    assertEquals(partitions, perPartition.size(), "no planned partition is empty");
    for (Row r : perPartition) {
      int p = r.getInt(0);
      assertEquals(r.getInt(1), r.getInt(2), "partition " + p + " mixes shards");
      assertEquals(placement.shardOfPartition(p), r.getInt(1), "partition " + p + " shard");
    }
    // The 95,000-row shard is split in 4 by row hash: each slice within 5% of a quarter.
    for (int p = placement.firstPartitionOf(1); p < placement.firstPartitionOf(1) + 4; p++) {
      long size = perPartition.get(p).getLong(3);
      assertTrue(Math.abs(size - 95_000 / 4.0) < 95_000 / 4.0 * 0.05, "slice " + p + ": " + size);
    }
  }

  @Test
  void routeValuesCoverEveryPartitionForLargeCounts() {
    for (int n : new int[] {1, 2, 7, 200, 5_000}) {
      int[] values = PartitionRouting.routeValues(n);
      assertEquals(n, values.length);
      assertEquals(n, java.util.Arrays.stream(values).distinct().count());
    }
  }
}

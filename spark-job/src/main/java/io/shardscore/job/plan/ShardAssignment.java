package io.shardscore.job.plan;

import static org.apache.spark.sql.functions.udf;

import io.shardscore.sharding.ShardPlacement;
import io.shardscore.sharding.ShardPlan;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Spark columns that apply a {@link ShardPlan} to the key column: the shard id of each row (for
 * counting) and the route value that places the row in its planned partition.
 */
public final class ShardAssignment {
  private ShardAssignment() {}

  /** The shard id of each row, or {@link ShardPlan#NO_SHARD} for a key whose policy is fail. */
  public static Column shardId(ShardPlan plan, Column longKey) {
    return udf(new ShardIdOf(plan), DataTypes.IntegerType).apply(longKey);
  }

  /** A value that {@code repartition(n, value)} sends to the row's planned partition. */
  public static Column routeValue(
      ShardPlan plan, ShardPlacement placement, int[] routeValues, Column longKey) {
    return udf(new RouteOf(plan, placement, routeValues), DataTypes.IntegerType).apply(longKey);
  }

  private record ShardIdOf(ShardPlan plan) implements UDF1<Long, Integer> {
    @Override
    public Integer call(Long key) {
      return plan.assign(key == null, key == null ? 0 : key);
    }
  }

  private record RouteOf(ShardPlan plan, ShardPlacement placement, int[] routeValues)
      implements UDF1<Long, Integer> {
    @Override
    public Integer call(Long key) {
      long k = key == null ? 0 : key;
      int shard = plan.assign(key == null, k);
      if (shard == ShardPlan.NO_SHARD) {
        throw new IllegalStateException(
            "Key "
                + key
                + " has no shard, but the run counted none such: the input changed while the job"
                + " ran. Nothing is committed; rerun once the input is stable.");
      }
      return routeValues[placement.partitionOf(shard, k)];
    }
  }
}

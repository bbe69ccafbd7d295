package io.shardscore.job.plan;

import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.xxhash64;

import io.shardscore.job.row.ColumnNames;
import io.shardscore.sharding.ShardPlacement;
import io.shardscore.sharding.ShardPlan;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

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

  /**
   * A value that {@code repartition(n, value)} sends to the row's planned partition. Within a shard
   * split over several partitions, rows are spread by {@code rowHash} (a deterministic hash of the
   * row's columns), not by the key alone: a key value that holds most of a shard's rows is split
   * across the shard's tasks instead of landing in one. Only rows identical in every hashed column
   * share a partition. The hash is computed only when some shard is split.
   *
   * @param rowHash a deterministic 64-bit hash of the row, e.g. {@link #rowHash}
   */
  public static Column routeValue(
      ShardPlan plan, ShardPlacement placement, int[] routeValues, Column longKey, Column rowHash) {
    if (!placement.splitsAnyShard()) {
      return udf(new RouteOf(plan, placement, routeValues), DataTypes.IntegerType).apply(longKey);
    }
    return udf(new SplitRouteOf(plan, placement, routeValues), DataTypes.IntegerType)
        .apply(longKey, rowHash);
  }

  /**
   * Spark's own deterministic 64-bit hash of {@code columns} of {@code schema}, leaving out the
   * columns Spark cannot hash: those holding a map anywhere (a map, or a struct or array with one
   * inside). Equal rows hash equally in every attempt, so a retried task receives exactly the rows
   * of the first attempt.
   */
  public static Column rowHash(StructType schema, List<String> columns) {
    List<Column> hashed = new ArrayList<>();
    for (String name : columns) {
      if (!holdsMap(schema.apply(name).dataType())) {
        hashed.add(ColumnNames.column(name));
      }
    }
    return xxhash64(hashed.toArray(Column[]::new));
  }

  private static boolean holdsMap(DataType type) {
    if (type instanceof MapType) {
      return true;
    }
    if (type instanceof ArrayType a) {
      return holdsMap(a.elementType());
    }
    if (type instanceof StructType s) {
      for (StructField f : s.fields()) {
        if (holdsMap(f.dataType())) {
          return true;
        }
      }
    }
    return false;
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
      return routeValues[placement.partitionOf(shardOf(plan, key), k)];
    }
  }

  private record SplitRouteOf(ShardPlan plan, ShardPlacement placement, int[] routeValues)
      implements UDF2<Long, Long, Integer> {
    @Override
    public Integer call(Long key, Long rowHash) {
      return routeValues[placement.partitionOf(shardOf(plan, key), rowHash)];
    }
  }

  private static int shardOf(ShardPlan plan, Long key) {
    int shard = plan.assign(key == null, key == null ? 0 : key);
    if (shard == ShardPlan.NO_SHARD) {
      throw new IllegalStateException(
          "Key "
              + key
              + " has no shard, but the run counted none such: the input changed while the job"
              + " ran. Nothing is committed; rerun once the input is stable.");
    }
    return shard;
  }
}

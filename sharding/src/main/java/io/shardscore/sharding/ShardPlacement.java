package io.shardscore.sharding;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Where each shard's rows go among the job's partitions. Every partition holds rows of exactly one
 * shard; a shard with more rows than the row budget gets {@code ceil(rows / budget)} partitions,
 * and a row's partition within its shard is chosen by {@link KeyHash#forSplit} of a value of the
 * row (its key, or a hash of the whole row so that one hot key value is split too), so the split is
 * deterministic and the shard keeps its id. Shards without rows get no partition.
 */
public final class ShardPlacement implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] firstPartition;
  private final int[] partitionCount;
  private final int[] shardOfPartition;

  private ShardPlacement(int[] firstPartition, int[] partitionCount, int[] shardOfPartition) {
    this.firstPartition = firstPartition;
    this.partitionCount = partitionCount;
    this.shardOfPartition = shardOfPartition;
  }

  /**
   * Plans partitions for shards with the given row counts (indexed by shard id).
   *
   * @param maxRowsPerPartition row budget of one partition, at least 1
   */
  public static ShardPlacement plan(long[] rowsPerShard, long maxRowsPerPartition) {
    if (maxRowsPerPartition < 1) {
      throw new ShardingException(
          "max-rows-per-partition is "
              + maxRowsPerPartition
              + "; use a positive row budget, e.g. 1000000.");
    }
    int shards = rowsPerShard.length;
    int[] first = new int[shards];
    int[] count = new int[shards];
    long total = 0;
    for (int s = 0; s < shards; s++) {
      long rows = rowsPerShard[s];
      long parts = rows == 0 ? 0 : (rows + maxRowsPerPartition - 1) / maxRowsPerPartition;
      first[s] = (int) total;
      count[s] = (int) parts;
      total += parts;
      if (total > 1_000_000) {
        throw new ShardingException(
            "The plan needs more than 1000000 partitions; raise max-rows-per-partition (now "
                + maxRowsPerPartition
                + ").");
      }
    }
    int[] shardOf = new int[(int) total];
    for (int s = 0; s < shards; s++) {
      Arrays.fill(shardOf, first[s], first[s] + count[s], s);
    }
    return new ShardPlacement(first, count, shardOf);
  }

  /**
   * The partition of a row of shard {@code shardId}.
   *
   * @param splitValue a deterministic value of the row (its key, 0 for a null key, or a hash of the
   *     row): rows with equal values share a partition
   */
  public int partitionOf(int shardId, long splitValue) {
    int parts = partitionCount[shardId];
    if (parts == 0) {
      throw new IllegalStateException(
          "Shard "
              + shardId
              + " was counted with no rows but received a row: the input changed while the job"
              + " ran. Nothing is committed; rerun once the input is stable.");
    }
    if (parts == 1) {
      return firstPartition[shardId];
    }
    return firstPartition[shardId]
        + (int) Math.floorMod(KeyHash.forSplit(splitValue), (long) parts);
  }

  /** True when some shard has more than one partition, so the split value matters. */
  public boolean splitsAnyShard() {
    for (int count : partitionCount) {
      if (count > 1) {
        return true;
      }
    }
    return false;
  }

  public int totalPartitions() {
    return shardOfPartition.length;
  }

  public int shardOfPartition(int partition) {
    return shardOfPartition[partition];
  }

  public int partitionsOf(int shardId) {
    return partitionCount[shardId];
  }

  public int firstPartitionOf(int shardId) {
    return firstPartition[shardId];
  }
}

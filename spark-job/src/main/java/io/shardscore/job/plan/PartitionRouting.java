package io.shardscore.job.plan;

import org.apache.spark.unsafe.hash.Murmur3_x86_32;

/**
 * Makes Spark's hash repartitioning place rows exactly. {@code Dataset.repartition(n, col)} sends a
 * row to {@code pmod(murmur3(col, seed 42), n)}; for each target partition {@code p} this class
 * finds the smallest non-negative int whose hash lands on {@code p}, so a column holding that int
 * lands every row on {@code p}. This keeps the shuffle inside Spark SQL (binary rows, no Java
 * serialization) while the placement stays exact; every task checks it (see {@code
 * PartitionScorer}), so a change in Spark's hashing fails loudly instead of mixing shards.
 */
public final class PartitionRouting {
  /** The seed Spark's {@code HashPartitioning} uses for {@code Murmur3Hash}. */
  static final int SPARK_HASH_SEED = 42;

  private PartitionRouting() {}

  /** {@code values[p]} is a route value that Spark's hash partitioning sends to partition p. */
  public static int[] routeValues(int partitions) {
    int[] values = new int[partitions];
    boolean[] found = new boolean[partitions];
    int missing = partitions;
    for (int v = 0; missing > 0; v++) {
      if (v < 0) {
        throw new IllegalStateException("no route value found for some of " + partitions);
      }
      int p = Math.floorMod(Murmur3_x86_32.hashInt(v, SPARK_HASH_SEED), partitions);
      if (!found[p]) {
        found[p] = true;
        values[p] = v;
        missing--;
      }
    }
    return values;
  }
}

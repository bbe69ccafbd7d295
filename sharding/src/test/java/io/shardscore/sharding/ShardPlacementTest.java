package io.shardscore.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardPlacementTest {

  @Test
  void shardsLargerThanTheBudgetAreSplitAndEmptyShardsGetNoPartition() {
    ShardPlacement p = ShardPlacement.plan(new long[] {250, 0, 100, 101}, 100);
    assertEquals(3, p.partitionsOf(0));
    assertEquals(0, p.partitionsOf(1));
    assertEquals(1, p.partitionsOf(2));
    assertEquals(2, p.partitionsOf(3));
    assertEquals(6, p.totalPartitions());
    int[] expectedShard = {0, 0, 0, 2, 3, 3};
    for (int part = 0; part < expectedShard.length; part++) {
      assertEquals(expectedShard[part], p.shardOfPartition(part));
    }
  }

  @Test
  void aKeyAlwaysLandsInTheSamePartitionOfItsOwnShard() {
    ShardPlacement p = ShardPlacement.plan(new long[] {1000, 5000}, 1000);
    for (long key = -1000; key < 1000; key++) {
      int part = p.partitionOf(1, key);
      assertEquals(1, p.shardOfPartition(part));
      assertEquals(part, p.partitionOf(1, key));
      assertEquals(0, p.partitionOf(0, key));
    }
  }

  @Test
  void splitPartitionsAreBalancedWithinTwoPercentForSequentialKeys() {
    long rows = 1_000_000;
    ShardPlacement p = ShardPlacement.plan(new long[] {rows}, 100_000);
    int parts = p.partitionsOf(0);
    assertEquals(10, parts);
    long[] sizes = new long[parts];
    for (long key = 0; key < rows; key++) {
      sizes[p.partitionOf(0, key)]++;
    }
    for (long s : sizes) {
      assertTrue(
          Math.abs(s - rows / parts) < rows / parts * 0.02, java.util.Arrays.toString(sizes));
    }
  }

  @Test
  void splittingAHashBucketStillSpreadsItsKeys() {
    ShardPlan plan = ShardPlan.ofHashBuckets("k", 4, StrayKeyPolicy.FAIL);
    ShardPlacement p = ShardPlacement.plan(new long[] {100, 100, 100, 100}, 25);
    long[] sizes = new long[p.totalPartitions()];
    for (long key = 0; key < 40_000; key++) {
      sizes[p.partitionOf(plan.assign(false, key), key)]++;
    }
    for (long s : sizes) {
      assertTrue(
          s > 2_000,
          "every sub-partition of a bucket gets keys: " + java.util.Arrays.toString(sizes));
    }
  }

  @Test
  void aNonPositiveRowBudgetIsRejected() {
    assertTrue(
        assertThrows(ShardingException.class, () -> ShardPlacement.plan(new long[] {1}, 0))
            .getMessage()
            .contains("max-rows-per-partition"));
  }
}

package io.shardscore.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShardPlanTest {

  private static ShardPlan ranges(String text, StrayKeyPolicy unmatched, StrayKeyPolicy nulls) {
    List<KeyRange> r = RangeList.parse(text);
    return ShardPlan.ofRanges(
        "customer_id",
        r.stream().map(RangeList::defaultName).toList(),
        r,
        "ranges",
        unmatched,
        nulls);
  }

  @Test
  void keysOnRangeBoundariesBelongToTheRangeThatNamesThem() {
    ShardPlan plan =
        ranges("0-999,1000-1999,2000-2999", StrayKeyPolicy.ERRORS, StrayKeyPolicy.ERRORS);
    assertEquals(0, plan.assign(false, 0));
    assertEquals(0, plan.assign(false, 999));
    assertEquals(1, plan.assign(false, 1000));
    assertEquals(1, plan.assign(false, 1999));
    assertEquals(2, plan.assign(false, 2000));
    assertEquals(2, plan.assign(false, 2999));
  }

  @Test
  void extremeLongKeysAreAssignedWithoutOverflow() {
    ShardPlan plan = ranges("MIN--1,0-0,1-MAX", StrayKeyPolicy.FAIL, StrayKeyPolicy.FAIL);
    assertEquals(0, plan.assign(false, Long.MIN_VALUE));
    assertEquals(0, plan.assign(false, -1));
    assertEquals(1, plan.assign(false, 0));
    assertEquals(2, plan.assign(false, 1));
    assertEquals(2, plan.assign(false, Long.MAX_VALUE));
    assertEquals(3, plan.shards().size(), "full coverage and fail policies add no stray shards");
  }

  @Test
  void keysOutsideEveryRangeGoToTheUnmatchedShardOrFail() {
    ShardPlan toShard = ranges("0-9,20-29", StrayKeyPolicy.SHARD, StrayKeyPolicy.ERRORS);
    Shard unmatched = toShard.shard(toShard.assign(false, 15));
    assertEquals(ShardPlan.UNMATCHED_SHARD_NAME, unmatched.name());
    assertTrue(unmatched.scored());
    assertEquals(unmatched.id(), toShard.assign(false, Long.MAX_VALUE));
    assertEquals(unmatched.id(), toShard.assign(false, Long.MIN_VALUE));

    ShardPlan toErrors = ranges("0-9,20-29", StrayKeyPolicy.ERRORS, StrayKeyPolicy.ERRORS);
    Shard rejected = toErrors.shard(toErrors.assign(false, -5));
    assertTrue(rejected.rejectReason().contains("outside every configured range"));

    ShardPlan failing = ranges("0-9,20-29", StrayKeyPolicy.FAIL, StrayKeyPolicy.FAIL);
    assertEquals(ShardPlan.NO_SHARD, failing.assign(false, 15));
  }

  @Test
  void nullKeysFollowTheirOwnPolicy() {
    ShardPlan plan = ranges("0-9", StrayKeyPolicy.FAIL, StrayKeyPolicy.ERRORS);
    Shard nullShard = plan.shard(plan.assign(true, 0));
    assertEquals(ShardPlan.NULL_KEY_SHARD_NAME, nullShard.name());
    assertTrue(nullShard.rejectReason().contains("customer_id"));
    assertEquals(
        ShardPlan.NO_SHARD,
        ranges("0-9", StrayKeyPolicy.FAIL, StrayKeyPolicy.FAIL).assign(true, 0));
    ShardPlan scored = ranges("0-9", StrayKeyPolicy.FAIL, StrayKeyPolicy.SHARD);
    assertTrue(scored.shard(scored.assign(true, 0)).scored());
  }

  @Test
  void rangesThatOverlapAreRejectedWithBothRangesNamed() {
    ShardingException e =
        assertThrows(
            ShardingException.class,
            () -> ranges("0-1000,1000-1999", StrayKeyPolicy.FAIL, StrayKeyPolicy.FAIL));
    assertTrue(e.getMessage().contains("0-1000"), e.getMessage());
    assertTrue(e.getMessage().contains("1000-1999"), e.getMessage());
    assertTrue(e.getMessage().contains("end the first at 999"), e.getMessage());
  }

  @Test
  void rangesOutOfOrderAreRejectedWithBothRangesNamed() {
    ShardingException e =
        assertThrows(
            ShardingException.class,
            () -> ranges("1000-1999,0-999", StrayKeyPolicy.FAIL, StrayKeyPolicy.FAIL));
    assertTrue(e.getMessage().contains("'0-999' (0-999) comes after '1000-1999'"), e.getMessage());
  }

  @Test
  void malformedRangesAndNamesAreRejectedWithTheFix() {
    assertTrue(
        assertThrows(ShardingException.class, () -> KeyRange.parse("10-2"))
            .getMessage()
            .contains("Write it as 2-10"));
    assertTrue(
        assertThrows(ShardingException.class, () -> KeyRange.parse("ten-20"))
            .getMessage()
            .contains("'ten'"));
    assertThrows(ShardingException.class, () -> KeyRange.parse("5"));
    assertTrue(
        assertThrows(ShardingException.class, () -> ShardName.requireSafe("../etc"))
            .getMessage()
            .contains("path-safe"));
    assertThrows(ShardingException.class, () -> ShardName.requireSafe("_hidden"));
    assertThrows(ShardingException.class, () -> ShardName.requireSafe("a b"));
    assertEquals("-500--1", KeyRange.parse("-500--1").toString());
  }

  @Test
  void duplicateAndReservedShardNamesAreRejected() {
    List<KeyRange> r = RangeList.parse("0-9,10-19");
    assertThrows(
        ShardingException.class,
        () ->
            ShardPlan.ofRanges(
                "k", List.of("a", "a"), r, "ranges", StrayKeyPolicy.FAIL, StrayKeyPolicy.FAIL));
    ShardingException e =
        assertThrows(
            ShardingException.class,
            () ->
                ShardPlan.ofRanges(
                    "k",
                    List.of("a", "unmatched"),
                    r,
                    "ranges",
                    StrayKeyPolicy.SHARD,
                    StrayKeyPolicy.FAIL));
    assertTrue(e.getMessage().contains("reserved"));
  }

  @Test
  void hashBucketsAreStableAndSpreadKeysEvenly() {
    ShardPlan plan = ShardPlan.ofHashBuckets("k", 8, StrayKeyPolicy.FAIL);
    // Golden values: the bucket of a key is part of the on-disk contract and must never change.
    assertEquals(
        plan.assign(false, 42),
        ShardPlan.ofHashBuckets("k", 8, StrayKeyPolicy.FAIL).assign(false, 42));
    long[] golden = {KeyHash.forBucket(0), KeyHash.forBucket(1), KeyHash.forBucket(Long.MAX_VALUE)};
    assertEquals(KeyHash.fmix64(0x5A175C0E00000001L), golden[0]);
    int[] counts = new int[8];
    for (long k = 0; k < 80_000; k++) {
      counts[plan.assign(false, k)]++;
    }
    for (int c : counts) {
      assertTrue(Math.abs(c - 10_000) < 500, "bucket sizes " + java.util.Arrays.toString(counts));
    }
    assertEquals("bucket-000", plan.shard(0).name());
  }

  @Test
  void quantileCutsBecomeContiguousRangesCoveringEveryLong() {
    List<KeyRange> r = QuantileRanges.fromCuts(new long[] {100, 200, 200, 300});
    assertEquals(
        List.of(
            new KeyRange(Long.MIN_VALUE, 99),
            new KeyRange(100, 199),
            new KeyRange(200, 299),
            new KeyRange(300, Long.MAX_VALUE)),
        r);
    assertEquals(
        List.of(new KeyRange(Long.MIN_VALUE, Long.MAX_VALUE)),
        QuantileRanges.fromCuts(new long[0]));
    assertEquals(
        List.of(new KeyRange(Long.MIN_VALUE, Long.MAX_VALUE)),
        QuantileRanges.fromCuts(new long[] {Long.MIN_VALUE}));
    assertEquals(List.of("q00", "q01", "q02", "q03"), QuantileRanges.names(4));
    assertEquals(3, QuantileRanges.probabilities(4).length);
  }

  /**
   * Names that differ only in case are one folder on case-insensitive file systems: the default
   * names of "A".."M" and "a".."m", value-list shards EMEA and emea, and a shard named Unmatched.
   */
  @Test
  void namesThatDifferOnlyInCaseAreRefused() {
    String text =
        assertThrows(
                ShardingException.class,
                () ->
                    ShardPlan.ofTextRanges(
                        "k",
                        List.of("A..M", "a..m"),
                        List.of(new TextRange("A", "M"), new TextRange("a", "m")),
                        StrayKeyPolicy.SHARD,
                        StrayKeyPolicy.SHARD))
            .getMessage();
    assertTrue(text.contains("'A..M' (shard 0) and 'a..m' (shard 1) differ only in case"), text);
    String values =
        assertThrows(
                ShardingException.class,
                () ->
                    ShardPlan.ofValues(
                        "k",
                        KeyType.TEXT,
                        List.of("EMEA", "emea"),
                        List.of(List.of("DE"), List.of("FR")),
                        StrayKeyPolicy.SHARD,
                        StrayKeyPolicy.SHARD))
            .getMessage();
    assertTrue(values.contains("differ only in case"), values);
    String reserved =
        assertThrows(
                ShardingException.class,
                () ->
                    ShardPlan.ofValues(
                        "k",
                        KeyType.TEXT,
                        List.of("Unmatched"),
                        List.of(List.of("DE")),
                        StrayKeyPolicy.SHARD,
                        StrayKeyPolicy.SHARD))
            .getMessage();
    assertTrue(reserved.contains("'Unmatched' is reserved for stray keys"), reserved);
  }
}

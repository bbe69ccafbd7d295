package io.shardscore.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyTypesTest {

  @Test
  void longCodedTypesParseToTheirExactCodes() {
    assertEquals(LocalDate.of(2026, 1, 1).toEpochDay(), KeyType.DATE.parse("2026-01-01", "d", "r"));
    assertEquals(1_767_225_600_000_000L, KeyType.TIMESTAMP.parse("2026-01-01T00:00:00Z", "t", "r"));
    assertEquals(1_767_225_600_000_000L, KeyType.TIMESTAMP.parse("2026-01-01", "t", "r"));
    assertEquals(
        1_767_225_600_000_001L,
        KeyType.TIMESTAMP.parse("2026-01-01T01:00:00.000001+01:00", "t", "r"));
    KeyType money = KeyType.decimal(10, 2);
    assertEquals(1234, money.parse("12.34", "m", "r"));
    assertEquals(1230, money.parse("12.3", "m", "r"));
    assertEquals(-5, money.parse("-0.05", "m", "r"));
    assertEquals("12.30", money.format(1230));
    assertEquals(Long.MIN_VALUE, money.parse("MIN", "m", "r"));
    assertEquals("2026-01-01T00:00:00Z", KeyType.TIMESTAMP.format(1_767_225_600_000_000L));
    assertEquals("20260101T000000Z", KeyType.TIMESTAMP.nameOf(1_767_225_600_000_000L));
  }

  @Test
  void aBoundOfTheWrongTypeNamesTheKeyItsTypeAndTheForm() {
    ShardingException e =
        assertThrows(
            ShardingException.class,
            () -> KeyRange.parse("2026-01-01..2026-02-30", KeyType.DATE, "day"));
    assertTrue(e.getMessage().contains("'2026-02-30'"), e.getMessage());
    assertTrue(e.getMessage().contains("key 'day' (Spark type date)"), e.getMessage());
    assertTrue(e.getMessage().contains("2026-01-01..2026-03-31"), e.getMessage());
    e =
        assertThrows(
            ShardingException.class,
            () -> KeyRange.parse("0.001..1", KeyType.decimal(10, 2), "amount"));
    assertTrue(e.getMessage().contains("decimal(10,2)"), e.getMessage());
    e =
        assertThrows(
            ShardingException.class,
            () -> KeyRange.parse("99999999.99..100000000.00", KeyType.decimal(10, 2), "amount"));
    assertTrue(e.getMessage().contains("'100000000.00'"), e.getMessage());
  }

  @Test
  void integralRangesKeepTheirSyntaxAndNames() {
    KeyRange r = KeyRange.parse("-500--1", KeyType.INTEGRAL, "k");
    assertEquals(new KeyRange(-500, -1), r);
    assertEquals("-500--1", r.defaultName(KeyType.INTEGRAL));
    assertEquals(new KeyRange(0, 999), KeyRange.parse("0..999"));
    assertEquals("MIN-MAX", KeyRange.parse("MIN-MAX").toString());
  }

  @Test
  void textComparesByUtf8BytesLikeSpark() {
    List<String> values = Arrays.asList("a", "Z", "\uFFFD", "\uD83D\uDE00", "", "é", "e");
    List<String> byCompare = values.stream().sorted(TextRange::compare).toList();
    List<String> byBytes =
        values.stream()
            .sorted(
                (x, y) ->
                    Arrays.compareUnsigned(
                        x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)))
            .toList();
    assertEquals(byBytes, byCompare);
    assertTrue(TextRange.compare("Z", "a") < 0, "case-sensitive: upper case sorts first");
  }

  @Test
  void textRangesParseQuotedAndBareBoundsAndNameThemPathSafely() {
    TextRange r = TextRange.parse("\"A\"..\"M\"", "region");
    assertEquals(new TextRange("A", "M"), r);
    assertTrue(r.contains("M"));
    assertTrue(!r.contains("Mary"), "both bounds belong; Mary sorts after M");
    assertEquals(new TextRange(null, "M"), TextRange.parse("MIN..M", "region"));
    assertEquals(new TextRange("MIN", null), TextRange.parse("\"MIN\"..MAX", "region"));
    assertEquals(new TextRange("a..b", "z\"q"), TextRange.parse("\"a..b\"..\"z\\\"q\"", "region"));
    assertEquals(
        "New_20York..S_C3_A3o_20Paulo", new TextRange("New York", "São Paulo").defaultName());
    assertEquals("_5F", TextRange.escape("_"));
    ShardingException e =
        assertThrows(ShardingException.class, () -> TextRange.parse("\"A\"-\"M\"", "region"));
    assertTrue(e.getMessage().contains("(Spark type string)"), e.getMessage());
    assertThrows(ShardingException.class, () -> TextRange.parse("\"M\"..\"A\"", "region"));
  }

  @Test
  void textRangePlansFindTheirShardOrTheUnmatchedOne() {
    List<TextRange> ranges =
        List.of(new TextRange(null, "F"), new TextRange("G", "M"), new TextRange("T", null));
    ShardPlan plan =
        ShardPlan.ofTextRanges(
            "region",
            ranges.stream().map(TextRange::defaultName).toList(),
            ranges,
            StrayKeyPolicy.SHARD,
            StrayKeyPolicy.FAIL);
    assertEquals(0, plan.assign(false, plan.coder().code("DE")));
    assertEquals(0, plan.assign(false, plan.coder().code("")));
    assertEquals(1, plan.assign(false, plan.coder().code("G")));
    assertEquals(3, plan.assign(false, plan.coder().code("Fr")), "Fr sorts after F: unmatched");
    assertEquals(2, plan.assign(false, plan.coder().code("de")));
    assertEquals("MIN..F", plan.shard(0).name());
    assertEquals("MIN..\"F\"", plan.shard(0).covers());
    ShardingException overlap =
        assertThrows(
            ShardingException.class,
            () ->
                ShardPlan.ofTextRanges(
                    "region",
                    List.of("a", "b"),
                    List.of(new TextRange("A", "M"), new TextRange("M", "Z")),
                    StrayKeyPolicy.FAIL,
                    StrayKeyPolicy.FAIL));
    assertTrue(
        overlap.getMessage().contains("'a' (\"A\"..\"M\") and 'b' (\"M\"..\"Z\") overlap"),
        overlap.getMessage());
  }

  @Test
  void aValueInTwoShardsNamesBothAndTheValue() {
    ShardingException e =
        assertThrows(
            ShardingException.class,
            () ->
                ShardPlan.ofValues(
                    "region",
                    KeyType.TEXT,
                    List.of("emea", "amer"),
                    List.of(List.of("DE", "FR"), List.of("US", "FR")),
                    StrayKeyPolicy.ERRORS,
                    StrayKeyPolicy.ERRORS));
    assertTrue(
        e.getMessage().contains("Value 'FR' is listed in shards 'emea' and 'amer'"),
        e.getMessage());
    ShardPlan ints =
        ShardPlan.ofValues(
            "b",
            KeyType.integral("int"),
            List.of("low", "high"),
            List.of(List.of("1", "2"), List.of("3")),
            StrayKeyPolicy.ERRORS,
            StrayKeyPolicy.ERRORS);
    assertEquals(1, ints.assign(false, ints.coder().code(3L)));
    Shard stray = ints.shard(ints.assign(false, ints.coder().code(9L)));
    assertEquals(ShardPlan.UNMATCHED_SHARD_NAME, stray.name());
    assertTrue(stray.rejectReason().contains("listed in no shard"));
    ShardPlan text =
        ShardPlan.ofValues(
            "r",
            KeyType.TEXT,
            List.of("emea"),
            List.of(List.of("DE")),
            StrayKeyPolicy.FAIL,
            StrayKeyPolicy.FAIL);
    assertEquals(ShardPlan.NO_SHARD, text.assign(false, text.coder().code("de")), "exact case");
  }

  @Test
  void textHashesAreStableAndSpread() {
    // Pinned: the hash is part of the on-disk contract of hash-bucket plans.
    assertEquals(6299020628997333013L, KeyHash.ofText("DE"));
    ShardPlan sixteen = ShardPlan.ofHashBuckets("region", KeyType.TEXT, 16, StrayKeyPolicy.FAIL);
    assertEquals(10, sixteen.assign(false, sixteen.coder().code("DE")));
    assertNotEquals(KeyHash.ofText("DE"), KeyHash.ofText("de"));
    ShardPlan plan = ShardPlan.ofHashBuckets("region", KeyType.TEXT, 4, StrayKeyPolicy.FAIL);
    int[] counts = new int[4];
    for (int i = 0; i < 4000; i++) {
      counts[plan.assign(false, plan.coder().code("customer-" + i))]++;
    }
    for (int c : counts) {
      assertTrue(c > 800 && c < 1200, Arrays.toString(counts));
    }
  }
}

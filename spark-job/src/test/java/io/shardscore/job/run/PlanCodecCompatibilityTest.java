package io.shardscore.job.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.store.JsonFiles;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.KeyType;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.StrayKeyPolicy;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans of integral keys are stored as before key types existed, so old manifests reuse them. */
class PlanCodecCompatibilityTest {

  /** A plan entry as a manifest written before key types holds it (no keyType). */
  private static final String OLD_ENTRY =
      """
      {
        "key" : "customer_id",
        "strategy" : "ranges",
        "origin" : "quantiles",
        "unmatched" : "errors",
        "nullKeys" : "errors",
        "shards" : [ {
          "id" : 0, "name" : "q00", "role" : "planned", "covers" : "MIN-99",
          "first" : -9223372036854775808, "last" : 99, "bucket" : null, "rejectReason" : null
        }, {
          "id" : 1, "name" : "q01", "role" : "planned", "covers" : "100-MAX",
          "first" : 100, "last" : 9223372036854775807, "bucket" : null, "rejectReason" : null
        }, {
          "id" : 2, "name" : "unmatched", "role" : "unmatched",
          "covers" : "keys outside every range", "first" : null, "last" : null, "bucket" : null,
          "rejectReason" : "shard key outside every configured range (sharding.unmatched: errors)"
        }, {
          "id" : 3, "name" : "null-key", "role" : "null_key", "covers" : "null keys",
          "first" : null, "last" : null, "bucket" : null,
          "rejectReason" : "shard key 'customer_id' is null (sharding.null-keys: errors)"
        } ]
      }
      """;

  @Test
  void anIntegralPlanEqualsTheEntryAnOlderVersionStored() throws Exception {
    ShardPlan plan =
        ShardPlan.ofRanges(
            "customer_id",
            KeyType.integral("bigint"),
            List.of("q00", "q01"),
            List.of(new KeyRange(Long.MIN_VALUE, 99), new KeyRange(100, Long.MAX_VALUE)),
            "quantiles",
            StrayKeyPolicy.ERRORS,
            StrayKeyPolicy.ERRORS);
    Manifest.PlanEntry old =
        JsonFiles.read(
            new ByteArrayInputStream(OLD_ENTRY.getBytes(StandardCharsets.UTF_8)),
            Manifest.PlanEntry.class);
    assertNull(old.keyType());
    assertEquals(old, PlanCodec.planEntry(plan));
  }

  @Test
  void aDatePlanRecordsItsTypeAndStoresBoundsAsEpochDays() throws Exception {
    KeyRange q1 = KeyRange.parse("2026-01-01..2026-03-31", KeyType.DATE, "day");
    ShardPlan plan =
        ShardPlan.ofRanges(
            "day",
            KeyType.DATE,
            List.of("q1"),
            List.of(q1),
            "ranges",
            StrayKeyPolicy.FAIL,
            StrayKeyPolicy.FAIL);
    Manifest.PlanEntry entry = PlanCodec.planEntry(plan);
    assertEquals("date", entry.keyType());
    assertEquals(java.time.LocalDate.of(2026, 1, 1).toEpochDay(), entry.shards().get(0).first());
    assertEquals("2026-01-01..2026-03-31", entry.shards().get(0).covers());
    Manifest.PlanEntry back =
        JsonFiles.read(new ByteArrayInputStream(JsonFiles.bytes(entry)), Manifest.PlanEntry.class);
    assertEquals(entry, back);
  }
}

package io.shardscore.job.run;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.ShardingConfig;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.KeyType;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.ShardStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The manifest's record of a shard plan, both ways: {@link #planEntry} writes it (for the commit
 * and for comparing plans), {@link #reusable} reads a committed quantile plan back.
 */
final class PlanCodec {
  private static final Logger LOG = LogManager.getLogger(PlanCodec.class);

  private PlanCodec() {}

  /** The plan as the manifest stores it; equal plans give equal entries. */
  static Manifest.PlanEntry planEntry(ShardPlan plan) {
    List<Manifest.PlannedShard> planned = new ArrayList<>();
    for (Shard s : plan.shards()) {
      Long first = null;
      Long last = null;
      Integer bucket = null;
      if (s.role() == Shard.Role.PLANNED) {
        if (plan.strategy() instanceof ShardStrategy.Ranges r) {
          KeyRange range = r.ranges().get(s.id());
          first = range.first();
          last = range.last();
        } else if (plan.strategy() instanceof ShardStrategy.HashBuckets) {
          bucket = s.id();
        }
      }
      planned.add(
          new Manifest.PlannedShard(
              s.id(),
              s.name(),
              s.role().name().toLowerCase(Locale.ROOT),
              s.covers(),
              first,
              last,
              bucket,
              s.rejectReason()));
    }
    String strategy;
    String origin;
    if (plan.strategy() instanceof ShardStrategy.Ranges r) {
      strategy = "ranges";
      origin = r.origin();
    } else if (plan.strategy() instanceof ShardStrategy.Listed l) {
      strategy = l.kind();
      origin = l.kind();
    } else {
      strategy = "hash-buckets";
      origin = "hash-buckets";
    }
    return new Manifest.PlanEntry(
        plan.keyColumn(),
        strategy,
        origin,
        plan.unmatchedKeys().configName(),
        plan.nullKeys().configName(),
        planned,
        storedType(plan.keyType()));
  }

  /**
   * The key type as the manifest records it: null for integral keys, as in plans written before key
   * types existed, so that their plans compare equal; the Spark type otherwise, e.g. {@code date}.
   * (Range bounds are stored as codes, see {@link KeyType}.)
   */
  static String storedType(KeyType type) {
    return type.kind() == KeyType.Kind.INTEGRAL ? null : type.sql();
  }

  /**
   * A committed quantile plan, so shard identity stays stable across runs, unless a re-plan is
   * asked for or the committed plan has another key or shard count.
   */
  static Optional<ShardPlan> reusable(
      ShardingConfig s, KeyType type, Optional<Manifest> previous, boolean replan) {
    if (replan || s.quantiles() == null || previous.isEmpty()) {
      return Optional.empty();
    }
    Manifest.PlanEntry stored = previous.get().plan();
    if (!"quantiles".equals(stored.origin())
        || !stored.key().equals(s.key())
        || !java.util.Objects.equals(stored.keyType(), storedType(type))) {
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    List<KeyRange> ranges = new ArrayList<>();
    for (Manifest.PlannedShard p : stored.shards()) {
      if ("planned".equals(p.role())) {
        names.add(p.name());
        ranges.add(new KeyRange(p.first(), p.last()));
      }
    }
    if (names.size() != s.quantiles()) {
      LOG.warn(
          "sharding.quantiles is {} but the committed plan has {} quantile shards: computing a new"
              + " plan of {} shards from the data (every shard is re-planned and scored)",
          s.quantiles(),
          names.size(),
          s.quantiles());
      return Optional.empty();
    }
    LOG.info(
        "Reusing the committed quantile plan of {} shards (pass --replan to recompute)",
        names.size());
    return Optional.of(
        ShardPlan.ofRanges(
            s.key(), type, names, ranges, "quantiles", s.unmatchedPolicy(), s.nullKeysPolicy()));
  }
}

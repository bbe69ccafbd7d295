package io.shardscore.job.run;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.ShardingConfig;
import io.shardscore.sharding.KeyRange;
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
        } else {
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
    String strategy = plan.strategy() instanceof ShardStrategy.Ranges ? "ranges" : "hash-buckets";
    String origin = plan.strategy() instanceof ShardStrategy.Ranges r ? r.origin() : "hash-buckets";
    return new Manifest.PlanEntry(
        plan.keyColumn(),
        strategy,
        origin,
        plan.unmatchedKeys().configName(),
        plan.nullKeys().configName(),
        planned);
  }

  /**
   * A committed quantile plan, so shard identity stays stable across runs, unless a re-plan is
   * asked for or the committed plan has another key or shard count.
   */
  static Optional<ShardPlan> reusable(
      ShardingConfig s, Optional<Manifest> previous, boolean replan) {
    if (replan || s.quantiles() == null || previous.isEmpty()) {
      return Optional.empty();
    }
    Manifest.PlanEntry stored = previous.get().plan();
    if (!"quantiles".equals(stored.origin()) || !stored.key().equals(s.key())) {
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
            s.key(), names, ranges, "quantiles", s.unmatchedPolicy(), s.nullKeysPolicy()));
  }
}

package io.shardscore.job;

import io.shardscore.job.commit.Manifest;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.ShardStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The manifest's record of a shard plan, built one way for the commit and for plan comparison. */
final class ManifestBuilder {
  private ManifestBuilder() {}

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
}

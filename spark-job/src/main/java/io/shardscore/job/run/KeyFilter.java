package io.shardscore.job.run;

import io.shardscore.job.row.ColumnNames;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.ShardStrategy;
import java.util.Collection;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * A filter on the raw key column that keeps exactly the rows of some range shards, for a table's
 * scan to push down: the table then skips the data files whose key bounds exclude those shards, as
 * the change check's overlap of file bounds and shard ranges says. Only for integral keys (a
 * comparison on the raw column then agrees with the plan's placement of the key cast to long).
 */
final class KeyFilter {
  private KeyFilter() {}

  /**
   * Rows of {@code shards}, and with {@code strays} also rows no shard covers (null keys, keys
   * outside every range); empty for hash buckets, whose rows no key filter selects.
   */
  static Optional<Column> of(ShardPlan plan, Collection<Shard> shards, boolean strays) {
    if (!(plan.strategy() instanceof ShardStrategy.Ranges r)) {
      return Optional.empty();
    }
    Column key = ColumnNames.column(plan.keyColumn());
    Column any = functions.lit(false);
    for (Shard s : shards) {
      any = any.or(rowsOf(s, r, key));
    }
    if (strays) {
      any = any.or(key.isNull()).or(key.isNotNull().and(functions.not(inAnyRange(r, key))));
    }
    return Optional.of(any);
  }

  private static Column rowsOf(Shard s, ShardStrategy.Ranges r, Column key) {
    return switch (s.role()) {
      case NULL_KEY -> key.isNull();
      case UNMATCHED -> key.isNotNull().and(functions.not(inAnyRange(r, key)));
      case PLANNED -> inRange(r.ranges().get(s.id()), key);
    };
  }

  private static Column inAnyRange(ShardStrategy.Ranges r, Column key) {
    Column any = functions.lit(false);
    for (KeyRange range : r.ranges()) {
      any = any.or(inRange(range, key));
    }
    return any;
  }

  private static Column inRange(KeyRange range, Column key) {
    return key.geq(range.first()).and(key.leq(range.last()));
  }
}

package io.shardscore.job.run;

import static org.apache.spark.sql.functions.col;

import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.plan.ShardAssignment;
import io.shardscore.sharding.ShardPlan;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/** The error for rows that belong to no shard under a 'fail' policy, with their key span. */
final class StrayKeys {
  private StrayKeys() {}

  static ScoringFailedException error(Dataset<Row> input, ShardPlan plan, long stray) {
    Column longKey = col(plan.keyColumn()).cast(DataTypes.LongType);
    Row span =
        input
            .select(longKey.as("k"))
            .where(ShardAssignment.shardId(plan, col("k")).equalTo(ShardPlan.NO_SHARD))
            .selectExpr("count(*) - count(k) as nulls", "min(k)", "max(k)")
            .first();
    long nulls = span.getLong(0);
    String keys =
        span.isNullAt(1)
            ? ""
            : " non-null stray keys range from " + span.get(1) + " to " + span.get(2) + ";";
    return new ScoringFailedException(
        ScoringFailedException.Reason.STRAY_KEYS,
        stray
            + " rows have no shard ("
            + nulls
            + " with a null '"
            + plan.keyColumn()
            + "');"
            + keys
            + " sharding.unmatched / sharding.null-keys is 'fail'. Add ranges that cover them, or"
            + " set the policy to 'shard' or 'errors'. Nothing was scored.");
  }
}

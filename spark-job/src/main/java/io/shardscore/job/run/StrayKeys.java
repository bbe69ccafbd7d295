package io.shardscore.job.run;

import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.plan.ShardAssignment;
import io.shardscore.job.plan.ShardKey;
import io.shardscore.job.row.ColumnNames;
import io.shardscore.sharding.ShardPlan;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** The error for rows that belong to no shard under a 'fail' policy, with their key span. */
final class StrayKeys {
  private StrayKeys() {}

  static ScoringFailedException error(Dataset<Row> input, ShardPlan plan, long stray) {
    // The span is of the key's own values (dates as dates, strings in Spark's order).
    Column k = ColumnNames.column("k");
    Row span =
        input
            .select(ColumnNames.column(plan.keyColumn()).as("k"), ShardKey.code(plan).as("code"))
            .where(
                ShardAssignment.shardId(plan, ColumnNames.column("code"))
                    .equalTo(ShardPlan.NO_SHARD))
            .agg(
                functions.count(functions.lit(1)).minus(functions.count(k)).as("nulls"),
                functions.min(k),
                functions.max(k))
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
            + " sharding.unmatched / sharding.null-keys is 'fail'. Add ranges or values that cover"
            + " them, or"
            + " set the policy to 'shard' or 'errors'. Nothing was scored.");
  }
}

package io.shardscore.job.plan;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.ShardingConfig;
import io.shardscore.job.row.ColumnNames;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.QuantileRanges;
import io.shardscore.sharding.RangeList;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.StrayKeyPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Builds the {@link ShardPlan} for a run from {@code sharding:} and, for quantile plans, from the
 * key's distribution in the input.
 */
public final class ShardPlanner {
  /** Accuracy of {@code percentile_approx} for quantile plans: relative rank error 1/10000. */
  private static final int QUANTILE_ACCURACY = 10_000;

  private ShardPlanner() {}

  public static ShardPlan plan(ShardingConfig config, Dataset<Row> input) {
    requireIntegralKey(config.key(), input);
    StrayKeyPolicy unmatched = config.unmatchedPolicy();
    StrayKeyPolicy nullKeys = config.nullKeysPolicy();
    if (config.hashBuckets() != null) {
      return ShardPlan.ofHashBuckets(config.key(), config.hashBuckets(), nullKeys);
    }
    if (config.quantiles() != null) {
      List<KeyRange> ranges = QuantileRanges.fromCuts(quantileCuts(config, input));
      return ShardPlan.ofRanges(
          config.key(),
          QuantileRanges.names(ranges.size()),
          ranges,
          "quantiles",
          unmatched,
          nullKeys);
    }
    List<String> names = new ArrayList<>();
    List<KeyRange> ranges = new ArrayList<>();
    for (ShardingConfig.NamedRange r : config.ranges()) {
      KeyRange range = KeyRange.parse(r.range());
      ranges.add(range);
      names.add(r.name() == null ? RangeList.defaultName(range) : r.name());
    }
    return ShardPlan.ofRanges(config.key(), names, ranges, "ranges", unmatched, nullKeys);
  }

  private static long[] quantileCuts(ShardingConfig config, Dataset<Row> input) {
    double[] p = QuantileRanges.probabilities(config.quantiles());
    if (p.length == 0) {
      return new long[0];
    }
    // Probabilities rounded to 10 decimals, as the plans of earlier versions were computed.
    Column[] probabilities = new Column[p.length];
    for (int i = 0; i < p.length; i++) {
      probabilities[i] =
          functions.lit(Double.parseDouble(String.format(Locale.ROOT, "%.10f", p[i])));
    }
    Row row =
        input
            .select(
                functions.percentile_approx(
                    ColumnNames.column(config.key()).cast(DataTypes.LongType),
                    functions.array(probabilities),
                    functions.lit(QUANTILE_ACCURACY)))
            .first();
    if (row.isNullAt(0)) {
      throw new JobConfigException(
          "sharding.quantiles cannot be computed: the input has no non-null '"
              + config.key()
              + "' values. Check input.path or use explicit ranges.");
    }
    List<Object> cuts = row.getList(0);
    long[] result = new long[cuts.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = ((Number) cuts.get(i)).longValue();
    }
    return result;
  }

  /** The key must exist and be byte, short, int or long. */
  public static void requireIntegralKey(String key, Dataset<Row> input) {
    StructField field = field(input, key, "sharding.key");
    DataType t = field.dataType();
    if (!(t.equals(DataTypes.LongType)
        || t.equals(DataTypes.IntegerType)
        || t.equals(DataTypes.ShortType)
        || t.equals(DataTypes.ByteType))) {
      throw new JobConfigException(
          "sharding.key column '"
              + key
              + "' has type "
              + t.simpleString()
              + "; shard keys must be integral (tinyint, smallint, int or bigint). Pick an integral"
              + " column or derive one before scoring.");
    }
  }

  /** The named field of the input, or an error listing the columns there are. */
  public static StructField field(Dataset<Row> input, String column, String key) {
    for (StructField f : input.schema().fields()) {
      if (f.name().equals(column)) {
        return f;
      }
    }
    throw new JobConfigException(
        key
            + " names column '"
            + column
            + "', which the input does not have. Input columns: "
            + String.join(", ", input.columns())
            + ".");
  }
}

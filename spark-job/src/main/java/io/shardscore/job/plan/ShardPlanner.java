package io.shardscore.job.plan;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.ShardingConfig;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.KeyType;
import io.shardscore.sharding.QuantileRanges;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.StrayKeyPolicy;
import io.shardscore.sharding.TextRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
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
    KeyType type = ShardKey.type(config.key(), input);
    StrayKeyPolicy unmatched = config.unmatchedPolicy();
    StrayKeyPolicy nullKeys = config.nullKeysPolicy();
    if (config.hashBuckets() != null) {
      return ShardPlan.ofHashBuckets(config.key(), type, config.hashBuckets(), nullKeys);
    }
    if (config.quantiles() != null) {
      if (!type.supportsQuantiles()) {
        throw new JobConfigException(
            "sharding.quantiles needs an ordered key with a numeric code (integral, date,"
                + " timestamp or decimal), but '"
                + config.key()
                + "' is "
                + type.sql()
                + ". Use sharding.ranges (e.g. '\"A\"..\"M\",\"N\"..MAX'), sharding.values"
                + " or sharding.hash-buckets for a string key.");
      }
      List<KeyRange> ranges = QuantileRanges.fromCuts(quantileCuts(config, type, input));
      return ShardPlan.ofRanges(
          config.key(),
          type,
          QuantileRanges.names(ranges.size()),
          ranges,
          "quantiles",
          unmatched,
          nullKeys);
    }
    if (config.values() != null) {
      return ShardPlan.ofValues(
          config.key(),
          type,
          new ArrayList<>(config.values().keySet()),
          new ArrayList<>(config.values().values()),
          unmatched,
          nullKeys);
    }
    List<String> names = new ArrayList<>();
    if (!type.longCoded()) {
      List<TextRange> ranges = new ArrayList<>();
      for (ShardingConfig.NamedRange r : config.ranges()) {
        TextRange range = TextRange.parse(r.range(), config.key());
        ranges.add(range);
        names.add(r.name() == null ? range.defaultName() : r.name());
      }
      return ShardPlan.ofTextRanges(config.key(), names, ranges, unmatched, nullKeys);
    }
    List<KeyRange> ranges = new ArrayList<>();
    for (ShardingConfig.NamedRange r : config.ranges()) {
      KeyRange range = KeyRange.parse(r.range(), type, config.key());
      ranges.add(range);
      names.add(r.name() == null ? range.defaultName(type) : r.name());
    }
    return ShardPlan.ofRanges(config.key(), type, names, ranges, "ranges", unmatched, nullKeys);
  }

  private static long[] quantileCuts(ShardingConfig config, KeyType type, Dataset<Row> input) {
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
                    ShardKey.base(config.key(), type),
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

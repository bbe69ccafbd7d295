package io.shardscore.job.config;

import io.shardscore.sharding.StrayKeyPolicy;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sharding:} how rows are split into shards. Exactly one of {@code ranges}, {@code values},
 * {@code hash-buckets} or {@code quantiles} is set. Defaults and allowed values of each component
 * are declared in {@link Settings}.
 *
 * @param key the shard-key column (integral, string, date, timestamp or decimal), e.g. {@code
 *     customer_id}
 * @param ranges named key ranges, in ascending order (from {@code 0-999,1000-1999} or a YAML list)
 * @param values value lists: shard name to the key values it holds, in shard order
 * @param hashBuckets number of hash buckets
 * @param quantiles number of ranges cut at the key's quantiles, computed from the data
 * @param unmatched {@code shard}, {@code errors} or {@code fail} for keys outside every range
 * @param nullKeys {@code shard}, {@code errors} or {@code fail} for null keys
 * @param maxRowsPerPartition row budget of one Spark partition; larger shards are split
 */
public record ShardingConfig(
    String key,
    List<NamedRange> ranges,
    Map<String, List<String>> values,
    Integer hashBuckets,
    Integer quantiles,
    String unmatched,
    String nullKeys,
    Long maxRowsPerPartition)
    implements Serializable {
  public ShardingConfig {
    ranges = ranges == null ? null : List.copyOf(ranges);
    values = values == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    unmatched = Settings.UNMATCHED.orDefault(unmatched);
    nullKeys = Settings.NULL_KEYS.orDefault(nullKeys);
    maxRowsPerPartition = Settings.MAX_ROWS_PER_PARTITION.orDefault(maxRowsPerPartition);
  }

  /** The policy for keys outside every range; throws a {@link JobConfigException} when bad. */
  public StrayKeyPolicy unmatchedPolicy() {
    return Choices.parse(Settings.UNMATCHED, unmatched, StrayKeyPolicy.class);
  }

  /** The policy for null keys; throws a {@link JobConfigException} when bad. */
  public StrayKeyPolicy nullKeysPolicy() {
    return Choices.parse(Settings.NULL_KEYS, nullKeys, StrayKeyPolicy.class);
  }

  /** A shard of an explicit range plan: {@code name} may be null (then the range is the name). */
  public record NamedRange(String name, String range) implements Serializable {}
}

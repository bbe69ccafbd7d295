package io.shardscore.sharding;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The complete mapping from key values to shards: the planned shards of a {@link ShardStrategy},
 * plus a shard for unmatched keys and one for null keys when their policy is not {@code fail}.
 * Immutable and serializable, so the same plan assigns keys on the driver and on executors.
 */
public final class ShardPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #assign} for a key whose policy is {@link StrayKeyPolicy#FAIL}. */
  public static final int NO_SHARD = -1;

  public static final String UNMATCHED_SHARD_NAME = "unmatched";
  public static final String NULL_KEY_SHARD_NAME = "null-key";

  private final String keyColumn;
  private final ShardStrategy strategy;
  private final StrayKeyPolicy unmatchedKeys;
  private final StrayKeyPolicy nullKeys;
  private final List<Shard> shards;
  private final int unmatchedShardId;
  private final int nullKeyShardId;

  private ShardPlan(
      String keyColumn,
      ShardStrategy strategy,
      List<String> names,
      StrayKeyPolicy unmatchedKeys,
      StrayKeyPolicy nullKeys) {
    this.keyColumn = keyColumn;
    this.strategy = strategy;
    this.unmatchedKeys = unmatchedKeys;
    this.nullKeys = nullKeys;
    List<Shard> all = new ArrayList<>();
    for (int i = 0; i < strategy.size(); i++) {
      all.add(new Shard(i, names.get(i), Shard.Role.PLANNED, strategy.describe(i), null));
    }
    boolean rangesCanMiss = strategy instanceof ShardStrategy.Ranges;
    if (rangesCanMiss && unmatchedKeys != StrayKeyPolicy.FAIL) {
      requireNameFree(names, UNMATCHED_SHARD_NAME);
      String reason =
          unmatchedKeys == StrayKeyPolicy.ERRORS
              ? "shard key outside every configured range (sharding.unmatched: errors)"
              : null;
      all.add(
          new Shard(
              all.size(),
              UNMATCHED_SHARD_NAME,
              Shard.Role.UNMATCHED,
              "keys outside every range",
              reason));
      unmatchedShardId = all.size() - 1;
    } else {
      unmatchedShardId = NO_SHARD;
    }
    if (nullKeys != StrayKeyPolicy.FAIL) {
      requireNameFree(names, NULL_KEY_SHARD_NAME);
      String reason =
          nullKeys == StrayKeyPolicy.ERRORS
              ? "shard key '" + keyColumn + "' is null (sharding.null-keys: errors)"
              : null;
      all.add(new Shard(all.size(), NULL_KEY_SHARD_NAME, Shard.Role.NULL_KEY, "null keys", reason));
      nullKeyShardId = all.size() - 1;
    } else {
      nullKeyShardId = NO_SHARD;
    }
    this.shards = Collections.unmodifiableList(all);
  }

  /**
   * A plan of named key ranges. Ranges must be listed in ascending order and must not overlap; both
   * offending ranges are named otherwise.
   */
  public static ShardPlan ofRanges(
      String keyColumn,
      List<String> names,
      List<KeyRange> ranges,
      String origin,
      StrayKeyPolicy unmatchedKeys,
      StrayKeyPolicy nullKeys) {
    if (ranges.isEmpty()) {
      throw new ShardingException(
          "sharding.ranges is empty; list at least one range, e.g. '0-999,1000-1999'.");
    }
    if (names.size() != ranges.size()) {
      throw new IllegalArgumentException("one name per range");
    }
    requireUniqueNames(names);
    for (int i = 1; i < ranges.size(); i++) {
      KeyRange prev = ranges.get(i - 1);
      KeyRange cur = ranges.get(i);
      String prevText = "'" + names.get(i - 1) + "' (" + prev + ")";
      String curText = "'" + names.get(i) + "' (" + cur + ")";
      if (prev.overlaps(cur)) {
        throw new ShardingException(
            "Shard ranges "
                + prevText
                + " and "
                + curText
                + " overlap; every key must belong to one shard. Make them disjoint, e.g. end the"
                + " first at "
                + KeyRange.format(cur.first() == Long.MIN_VALUE ? cur.first() : cur.first() - 1)
                + ".");
      }
      if (cur.first() < prev.first()) {
        throw new ShardingException(
            "Shard ranges are not in ascending order: "
                + curText
                + " comes after "
                + prevText
                + ". List ranges from the smallest key to the largest.");
      }
    }
    return new ShardPlan(
        keyColumn, new ShardStrategy.Ranges(ranges, origin), names, unmatchedKeys, nullKeys);
  }

  /** A plan of {@code buckets} hash buckets named {@code bucket-000} and up. */
  public static ShardPlan ofHashBuckets(String keyColumn, int buckets, StrayKeyPolicy nullKeys) {
    ShardStrategy.HashBuckets strategy = new ShardStrategy.HashBuckets(buckets);
    int digits = Math.max(3, Integer.toString(buckets - 1).length());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < buckets; i++) {
      names.add("bucket-" + String.format(Locale.ROOT, "%0" + digits + "d", i));
    }
    return new ShardPlan(keyColumn, strategy, names, StrayKeyPolicy.FAIL, nullKeys);
  }

  /** The shard id for a key; {@link #NO_SHARD} when the key's stray policy is {@code fail}. */
  public int assign(boolean keyIsNull, long key) {
    if (keyIsNull) {
      return nullKeyShardId;
    }
    int planned = strategy.indexOf(key);
    return planned >= 0 ? planned : unmatchedShardId;
  }

  public String keyColumn() {
    return keyColumn;
  }

  public ShardStrategy strategy() {
    return strategy;
  }

  public StrayKeyPolicy unmatchedKeys() {
    return unmatchedKeys;
  }

  public StrayKeyPolicy nullKeys() {
    return nullKeys;
  }

  /** All shards, planned first, then the unmatched and null-key shards if present. */
  public List<Shard> shards() {
    return shards;
  }

  public Shard shard(int id) {
    return shards.get(id);
  }

  private static void requireUniqueNames(List<String> names) {
    for (int i = 0; i < names.size(); i++) {
      ShardName.requireSafe(names.get(i));
      for (int j = 0; j < i; j++) {
        if (names.get(i).equals(names.get(j))) {
          throw new ShardingException(
              "Shard name '"
                  + names.get(i)
                  + "' is used by shards "
                  + j
                  + " and "
                  + i
                  + "; every shard needs its own name.");
        }
      }
    }
  }

  private static void requireNameFree(List<String> names, String reserved) {
    if (names.contains(reserved)) {
      throw new ShardingException(
          "Shard name '"
              + reserved
              + "' is reserved for stray keys; rename that shard or set the stray-key policy to"
              + " 'fail'.");
    }
  }

  @Override
  public String toString() {
    return "ShardPlan[" + keyColumn + ", " + strategy + ", " + shards.size() + " shards]";
  }
}

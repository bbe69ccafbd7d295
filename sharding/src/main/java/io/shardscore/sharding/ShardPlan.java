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
  private final KeyType keyType;
  private final KeyCoder coder;
  private final ShardStrategy strategy;
  private final StrayKeyPolicy unmatchedKeys;
  private final StrayKeyPolicy nullKeys;
  private final List<Shard> shards;
  private final int unmatchedShardId;
  private final int nullKeyShardId;

  private ShardPlan(
      String keyColumn,
      KeyType keyType,
      KeyCoder coder,
      ShardStrategy strategy,
      List<String> names,
      StrayKeyPolicy unmatchedKeys,
      StrayKeyPolicy nullKeys) {
    this.keyColumn = keyColumn;
    this.keyType = keyType;
    this.coder = coder;
    this.strategy = strategy;
    this.unmatchedKeys = unmatchedKeys;
    this.nullKeys = nullKeys;
    List<Shard> all = new ArrayList<>();
    for (int i = 0; i < strategy.size(); i++) {
      all.add(new Shard(i, names.get(i), Shard.Role.PLANNED, strategy.describe(i), null));
    }
    boolean rangesCanMiss = !(strategy instanceof ShardStrategy.HashBuckets);
    if (rangesCanMiss && unmatchedKeys != StrayKeyPolicy.FAIL) {
      requireNameFree(names, UNMATCHED_SHARD_NAME);
      String reason =
          unmatchedKeys == StrayKeyPolicy.ERRORS
              ? (strategy instanceof ShardStrategy.Listed l && l.kind().equals("values")
                  ? "shard key listed in no shard's values (sharding.unmatched: errors)"
                  : "shard key outside every configured range (sharding.unmatched: errors)")
              : null;
      all.add(
          new Shard(
              all.size(),
              UNMATCHED_SHARD_NAME,
              Shard.Role.UNMATCHED,
              strategy instanceof ShardStrategy.Listed l && l.kind().equals("values")
                  ? "keys listed in no shard"
                  : "keys outside every range",
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
    return ofRanges(keyColumn, KeyType.INTEGRAL, names, ranges, origin, unmatchedKeys, nullKeys);
  }

  /**
   * A plan of named ranges of a long-coded key of type {@code type}: the ranges are of codes (see
   * {@link KeyType}), shown and named as values of the type.
   */
  public static ShardPlan ofRanges(
      String keyColumn,
      KeyType type,
      List<String> names,
      List<KeyRange> ranges,
      String origin,
      StrayKeyPolicy unmatchedKeys,
      StrayKeyPolicy nullKeys) {
    if (!type.longCoded()) {
      throw new IllegalArgumentException("text keys have TextRange plans");
    }
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
      String prevText = "'" + names.get(i - 1) + "' (" + prev.describe(type) + ")";
      String curText = "'" + names.get(i) + "' (" + cur.describe(type) + ")";
      if (prev.overlaps(cur)) {
        throw new ShardingException(
            "Shard ranges "
                + prevText
                + " and "
                + curText
                + " overlap; every key must belong to one shard. Make them disjoint, e.g. end the"
                + " first at "
                + (type.kind() == KeyType.Kind.INTEGRAL
                    ? KeyRange.format(cur.first() == Long.MIN_VALUE ? cur.first() : cur.first() - 1)
                    : "before " + type.format(cur.first()))
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
        keyColumn,
        type,
        null,
        new ShardStrategy.Ranges(ranges, origin, type),
        names,
        unmatchedKeys,
        nullKeys);
  }

  /**
   * A plan of named ranges of a text key, compared by UTF-8 bytes (case-sensitive). Ranges must be
   * ascending and disjoint; both offending ranges are named otherwise.
   */
  public static ShardPlan ofTextRanges(
      String keyColumn,
      List<String> names,
      List<TextRange> ranges,
      StrayKeyPolicy unmatchedKeys,
      StrayKeyPolicy nullKeys) {
    if (ranges.isEmpty()) {
      throw new ShardingException(
          "sharding.ranges is empty; list at least one range, e.g. '\"A\"..\"M\"'.");
    }
    if (names.size() != ranges.size()) {
      throw new IllegalArgumentException("one name per range");
    }
    requireUniqueNames(names);
    List<String> covers = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      covers.add(ranges.get(i).toString());
      if (i == 0) {
        continue;
      }
      TextRange prev = ranges.get(i - 1);
      TextRange cur = ranges.get(i);
      String prevText = "'" + names.get(i - 1) + "' (" + prev + ")";
      String curText = "'" + names.get(i) + "' (" + cur + ")";
      if (prev.overlaps(cur)) {
        throw new ShardingException(
            "Shard ranges "
                + prevText
                + " and "
                + curText
                + " overlap; every key must belong to one shard (both bounds belong to a range;"
                + " strings compare by UTF-8 bytes, case-sensitive). Make them disjoint.");
      }
      if (cur.compareFirst(prev) < 0) {
        throw new ShardingException(
            "Shard ranges are not in ascending order: "
                + curText
                + " comes after "
                + prevText
                + ". List ranges from the smallest key to the largest (UTF-8 byte order).");
      }
    }
    return new ShardPlan(
        keyColumn,
        KeyType.TEXT,
        new KeyCoder.TextRanges(ranges),
        new ShardStrategy.Listed("ranges", covers),
        names,
        unmatchedKeys,
        nullKeys);
  }

  /**
   * A plan of value lists: shard {@code i} holds exactly the values {@code values.get(i)}, written
   * as text and read as values of {@code type} (text values match exactly, case-sensitive). A value
   * listed by two shards is an error naming both shards and the value; values no shard lists follow
   * the unmatched policy.
   */
  public static ShardPlan ofValues(
      String keyColumn,
      KeyType type,
      List<String> names,
      List<List<String>> values,
      StrayKeyPolicy unmatchedKeys,
      StrayKeyPolicy nullKeys) {
    if (names.isEmpty()) {
      throw new ShardingException(
          "sharding.values is empty; list shards with their values, e.g. {emea: [DE, FR]}.");
    }
    if (names.size() != values.size()) {
      throw new IllegalArgumentException("one value list per name");
    }
    requireUniqueNames(names);
    java.util.Map<Object, Integer> shardOf = new java.util.LinkedHashMap<>();
    List<String> covers = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      List<String> list = values.get(i);
      if (list == null || list.isEmpty()) {
        throw new ShardingException(
            "sharding.values shard '"
                + names.get(i)
                + "' lists no values; give it at least one, e.g. "
                + names.get(i)
                + ": [DE, FR].");
      }
      List<String> shown = new ArrayList<>();
      for (String v : list) {
        if (v == null) {
          throw new ShardingException(
              "sharding.values shard '"
                  + names.get(i)
                  + "' lists a null value; null keys follow sharding.null-keys instead.");
        }
        Object key =
            type.longCoded()
                ? (Object) type.parse(v, keyColumn, "sharding.values shard '" + names.get(i) + "'")
                : v;
        // Text values are quoted (with \" and \\ escaped), so that the covers, which the manifest
        // stores and compares, tell ["a, b"] from ["a", "b"].
        String text = type.longCoded() ? type.format((Long) key) : TextRange.quoted(v);
        Integer before = shardOf.putIfAbsent(key, i);
        if (before != null) {
          throw new ShardingException(
              "Value '"
                  + (type.longCoded() ? text : v)
                  + "' is listed in shards '"
                  + names.get(before)
                  + "' and '"
                  + names.get(i)
                  + "'; a value must belong to one shard. Remove it from one of them.");
        }
        shown.add(text);
      }
      covers.add("values " + String.join(", ", shown));
    }
    return new ShardPlan(
        keyColumn,
        type,
        new KeyCoder.Listed(shardOf),
        new ShardStrategy.Listed("values", covers),
        names,
        unmatchedKeys,
        nullKeys);
  }

  /** A plan of {@code buckets} hash buckets of an integral key. */
  public static ShardPlan ofHashBuckets(String keyColumn, int buckets, StrayKeyPolicy nullKeys) {
    return ofHashBuckets(keyColumn, KeyType.INTEGRAL, buckets, nullKeys);
  }

  /**
   * A plan of {@code buckets} hash buckets named {@code bucket-000} and up. A long-coded key is
   * bucketed by {@link KeyHash#forBucket} of its code, a text key by that of {@link
   * KeyHash#ofText}.
   */
  public static ShardPlan ofHashBuckets(
      String keyColumn, KeyType type, int buckets, StrayKeyPolicy nullKeys) {
    ShardStrategy.HashBuckets strategy = new ShardStrategy.HashBuckets(buckets);
    int digits = Math.max(3, Integer.toString(buckets - 1).length());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < buckets; i++) {
      names.add("bucket-" + String.format(Locale.ROOT, "%0" + digits + "d", i));
    }
    return new ShardPlan(
        keyColumn,
        type,
        type.longCoded() ? null : new KeyCoder.TextHash(),
        strategy,
        names,
        StrayKeyPolicy.FAIL,
        nullKeys);
  }

  /**
   * The shard id for a key code (the key's long code, or its {@link #coder() coder}'s code); {@link
   * #NO_SHARD} when the key's stray policy is {@code fail}.
   */
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

  /** The key's type; {@link KeyType#INTEGRAL} for plans of integral keys. */
  public KeyType keyType() {
    return keyType;
  }

  /**
   * How a key value becomes the code {@link #assign} takes; null when the code is the key's own
   * long code (see {@link KeyType}).
   */
  public KeyCoder coder() {
    return coder;
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
        if (names.get(i).equalsIgnoreCase(names.get(j))) {
          throw new ShardingException(
              "Shard names '"
                  + names.get(j)
                  + "' (shard "
                  + j
                  + ") and '"
                  + names.get(i)
                  + "' (shard "
                  + i
                  + ") differ only in case: their folders are one folder on case-insensitive file"
                  + " systems (macOS, Windows). Give each shard a name that differs in more than"
                  + " case.");
        }
      }
    }
  }

  private static void requireNameFree(List<String> names, String reserved) {
    // Case-insensitively: 'Unmatched' would share the unmatched shard's folder on macOS / Windows.
    String taken = names.stream().filter(reserved::equalsIgnoreCase).findFirst().orElse(null);
    if (taken != null) {
      throw new ShardingException(
          "Shard name '"
              + taken
              + "' is reserved for stray keys; rename that shard or set the stray-key policy to"
              + " 'fail'.");
    }
  }

  @Override
  public String toString() {
    return "ShardPlan[" + keyColumn + ", " + strategy + ", " + shards.size() + " shards]";
  }
}

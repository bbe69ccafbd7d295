package io.shardscore.sharding;

import java.io.Serializable;
import java.util.List;

/** How keys map to planned shards: explicit ranges or hash buckets. */
public sealed interface ShardStrategy extends Serializable
    permits ShardStrategy.Ranges, ShardStrategy.HashBuckets, ShardStrategy.Listed {

  /** Number of planned shards. */
  int size();

  /** Planned shard index for a key, or -1 when no planned shard covers it. */
  int indexOf(long key);

  /** Human-readable coverage of planned shard {@code index}. */
  String describe(int index);

  /**
   * Sorted, disjoint key ranges, one per shard. {@code origin} records how they were chosen ({@code
   * ranges} or {@code quantiles}) so that a later run can tell a re-plan from a reuse.
   */
  record Ranges(List<KeyRange> ranges, String origin, KeyType type) implements ShardStrategy {
    public Ranges {
      ranges = List.copyOf(ranges);
    }

    /** Ranges of an integral key. */
    public Ranges(List<KeyRange> ranges, String origin) {
      this(ranges, origin, KeyType.INTEGRAL);
    }

    @Override
    public int size() {
      return ranges.size();
    }

    @Override
    public int indexOf(long key) {
      int lo = 0;
      int hi = ranges.size() - 1;
      // Binary search for the last range whose first key is <= key.
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (ranges.get(mid).first() <= key) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found >= 0 && key <= ranges.get(found).last() ? found : -1;
    }

    @Override
    public String describe(int index) {
      return ranges.get(index).describe(type);
    }
  }

  /** {@code count} buckets by {@link KeyHash#forBucket}; every key has a bucket. */
  record HashBuckets(int count) implements ShardStrategy {
    public HashBuckets {
      if (count < 1 || count > 100_000) {
        throw new ShardingException(
            "hash-buckets is " + count + "; use a bucket count between 1 and 100000.");
      }
    }

    @Override
    public int size() {
      return count;
    }

    @Override
    public int indexOf(long key) {
      return (int) Math.floorMod(KeyHash.forBucket(key), (long) count);
    }

    @Override
    public String describe(int index) {
      return "bucket " + index + " of " + count;
    }
  }

  /**
   * Shards chosen by the plan's {@link KeyCoder}: a key's code is already its planned shard's index
   * (-1 for none). Used for text ranges and value lists.
   *
   * @param kind {@code ranges} or {@code values}
   * @param covers what each shard holds, e.g. {@code "A".."M"} or {@code values DE, FR}
   */
  record Listed(String kind, List<String> covers) implements ShardStrategy {
    public Listed {
      covers = List.copyOf(covers);
    }

    @Override
    public int size() {
      return covers.size();
    }

    @Override
    public int indexOf(long key) {
      return key >= 0 && key < covers.size() ? (int) key : -1;
    }

    @Override
    public String describe(int index) {
      return covers.get(index);
    }
  }
}

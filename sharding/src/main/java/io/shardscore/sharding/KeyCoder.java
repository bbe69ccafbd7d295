package io.shardscore.sharding;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a key value into the long a plan's strategy assigns, for plans that cannot work on the
 * value's own long code: text keys, and value lists. The value is the key's code (a {@link Long})
 * for long-coded key types, its {@link String} for text keys; never null (null keys are handled by
 * the plan before a coder sees them).
 */
public sealed interface KeyCoder extends Serializable
    permits KeyCoder.Listed, KeyCoder.TextRanges, KeyCoder.TextHash {

  /** The code of a non-null value. */
  long code(Object value);

  /**
   * Value lists: a value's code is the index of the shard that lists it, -1 for a value no shard
   * lists. Values are matched exactly (text case-sensitive).
   */
  record Listed(Map<Object, Integer> shardOfValue) implements KeyCoder {
    public Listed {
      shardOfValue = new HashMap<>(shardOfValue);
    }

    @Override
    public long code(Object value) {
      return shardOfValue.getOrDefault(value, -1);
    }
  }

  /** Text ranges: a value's code is the index of the range that holds it, -1 for none. */
  record TextRanges(List<TextRange> ranges) implements KeyCoder {
    public TextRanges {
      ranges = List.copyOf(ranges);
    }

    @Override
    public long code(Object value) {
      String key = (String) value;
      int lo = 0;
      int hi = ranges.size() - 1;
      int found = -1;
      // The last range whose first bound is <= key (ranges are sorted and disjoint).
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        TextRange r = ranges.get(mid);
        if (r.first() == null || TextRange.compare(r.first(), key) <= 0) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found >= 0 && ranges.get(found).contains(key) ? found : -1;
    }
  }

  /** Hash buckets of text keys: a value's code is {@link KeyHash#ofText}. */
  record TextHash() implements KeyCoder {
    @Override
    public long code(Object value) {
      return KeyHash.ofText((String) value);
    }
  }
}

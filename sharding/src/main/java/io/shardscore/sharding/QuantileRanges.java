package io.shardscore.sharding;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns quantile cut points computed from the data into contiguous key ranges that cover every long
 * value, so a quantile plan never has unmatched keys.
 */
public final class QuantileRanges {
  private QuantileRanges() {}

  /**
   * Ranges {@code [MIN, c1-1], [c1, c2-1], ..., [ck, MAX]} from ascending cut points; duplicate
   * cuts (heavy keys) collapse so that no range is empty.
   */
  public static List<KeyRange> fromCuts(long[] cuts) {
    List<KeyRange> ranges = new ArrayList<>();
    long start = Long.MIN_VALUE;
    for (long cut : cuts) {
      if (cut <= start) {
        continue;
      }
      ranges.add(new KeyRange(start, cut - 1));
      start = cut;
    }
    ranges.add(new KeyRange(start, Long.MAX_VALUE));
    return ranges;
  }

  /** Names {@code q00}, {@code q01}, ... padded to the count's width. */
  public static List<String> names(int count) {
    int digits = Math.max(2, Integer.toString(count - 1).length());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add("q" + String.format(Locale.ROOT, "%0" + digits + "d", i));
    }
    return names;
  }

  /** The probabilities {@code 1/n, 2/n, ..., (n-1)/n} at which to cut the key distribution. */
  public static double[] probabilities(int shards) {
    if (shards < 1 || shards > 10_000) {
      throw new ShardingException(
          "quantiles is " + shards + "; use a shard count between 1 and 10000.");
    }
    double[] p = new double[shards - 1];
    for (int i = 1; i < shards; i++) {
      p[i - 1] = (double) i / shards;
    }
    return p;
  }
}

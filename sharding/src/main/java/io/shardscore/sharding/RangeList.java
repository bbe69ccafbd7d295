package io.shardscore.sharding;

import java.util.ArrayList;
import java.util.List;

/** Parses the compact range notation {@code 0-999,1000-1999,...} into key ranges. */
public final class RangeList {
  private RangeList() {}

  public static List<KeyRange> parse(String text) {
    if (text == null || text.isBlank()) {
      throw new ShardingException(
          "sharding.ranges is empty; write ranges as '0-999,1000-1999,...'.");
    }
    List<KeyRange> ranges = new ArrayList<>();
    for (String part : text.split(",")) {
      ranges.add(KeyRange.parse(part));
    }
    return ranges;
  }

  /** The default shard name of a range: its own text, e.g. {@code 0-999}, {@code 1000-MAX}. */
  public static String defaultName(KeyRange range) {
    return range.toString();
  }
}

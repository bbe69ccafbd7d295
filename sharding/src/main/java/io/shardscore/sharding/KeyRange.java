package io.shardscore.sharding;

import java.io.Serializable;

/**
 * An inclusive range of integral shard-key values, {@code first..last}. Written as {@code
 * first-last}; the words {@code MIN} and {@code MAX} stand for {@link Long#MIN_VALUE} and {@link
 * Long#MAX_VALUE}.
 */
public record KeyRange(long first, long last) implements Serializable {

  public KeyRange {
    if (first > last) {
      throw new ShardingException(
          "Key range "
              + format(first)
              + "-"
              + format(last)
              + " is empty: its first key is larger than its last. Write it as "
              + format(last)
              + "-"
              + format(first)
              + ".");
    }
  }

  /** Parses {@code first-last}, e.g. {@code 0-999}, {@code -500--1}, {@code 1000000-MAX}. */
  public static KeyRange parse(String text) {
    String s = text.trim();
    if (s.contains("..")) {
      return parse(s, KeyType.INTEGRAL, "key");
    }
    // The separator is the first '-' that is not a leading minus sign of the first number.
    int sep = s.indexOf('-', s.startsWith("-") ? 1 : 0);
    if (sep <= 0 || sep == s.length() - 1) {
      throw new ShardingException(
          "Key range '"
              + text
              + "' is not of the form first-last. Write e.g. 0-999, -500--1 or 1000000-MAX.");
    }
    return new KeyRange(
        parseBound(s.substring(0, sep), text), parseBound(s.substring(sep + 1), text));
  }

  /**
   * Parses a range of a key of type {@code type}. Integral keys keep the {@code first-last} form
   * and also accept {@code first..last}; the other long-coded types are written {@code
   * first..last}, e.g. {@code 2026-01-01..2026-03-31} or {@code 0.00..99.99}. A bound that is not a
   * value of the type is an error naming the key, its Spark type and the expected form.
   */
  public static KeyRange parse(String text, KeyType type, String keyColumn) {
    if (!type.longCoded()) {
      throw new IllegalArgumentException("text ranges are TextRange");
    }
    String s = text.trim();
    int sep = s.indexOf("..");
    if (type.kind() == KeyType.Kind.INTEGRAL && sep < 0) {
      return parse(text);
    }
    if (sep <= 0 || sep == s.length() - 2) {
      throw new ShardingException(
          "Key range '"
              + text
              + "' of the key '"
              + keyColumn
              + "' (Spark type "
              + type.sql()
              + ") is not of the form "
              + type.rangeForm()
              + ".");
    }
    String what = "Key range '" + text.trim() + "'";
    long first = type.parse(s.substring(0, sep), keyColumn, what);
    long last = type.parse(s.substring(sep + 2), keyColumn, what);
    if (first > last) {
      throw new ShardingException(
          what
              + " is empty: its first key is larger than its last. Write it as "
              + type.format(last)
              + ".."
              + type.format(first)
              + ".");
    }
    return new KeyRange(first, last);
  }

  /** The range as the values of {@code type} it holds, e.g. {@code 2026-01-01..2026-03-31}. */
  public String describe(KeyType type) {
    if (type.kind() == KeyType.Kind.INTEGRAL) {
      return toString();
    }
    return type.format(first) + ".." + type.format(last);
  }

  /** The default shard name of the range for a key of {@code type}: path-safe. */
  public String defaultName(KeyType type) {
    if (type.kind() == KeyType.Kind.INTEGRAL) {
      return toString();
    }
    return type.nameOf(first) + ".." + type.nameOf(last);
  }

  private static long parseBound(String bound, String whole) {
    String b = bound.trim();
    if (b.equalsIgnoreCase("MIN")) {
      return Long.MIN_VALUE;
    }
    if (b.equalsIgnoreCase("MAX")) {
      return Long.MAX_VALUE;
    }
    try {
      return Long.parseLong(b);
    } catch (NumberFormatException e) {
      throw new ShardingException(
          "Key range '"
              + whole
              + "' has a bound '"
              + bound
              + "' that is not a whole number. Use integers between "
              + Long.MIN_VALUE
              + " and "
              + Long.MAX_VALUE
              + ", or MIN / MAX.");
    }
  }

  public boolean contains(long key) {
    return key >= first && key <= last;
  }

  public boolean overlaps(KeyRange other) {
    return first <= other.last && other.first <= last;
  }

  /** Number of keys in the range, saturated at {@link Long#MAX_VALUE}. */
  public long width() {
    long w = last - first + 1;
    return w <= 0 ? Long.MAX_VALUE : w;
  }

  @Override
  public String toString() {
    return format(first) + "-" + format(last);
  }

  static String format(long bound) {
    if (bound == Long.MIN_VALUE) {
      return "MIN";
    }
    if (bound == Long.MAX_VALUE) {
      return "MAX";
    }
    return Long.toString(bound);
  }
}

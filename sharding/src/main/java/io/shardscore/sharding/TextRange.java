package io.shardscore.sharding;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * An inclusive range of text shard-key values, {@code first..last}, compared as Spark compares
 * strings by default: by UTF-8 bytes (equal to comparing code points), case-sensitive. A null bound
 * is open ({@code MIN} or {@code MAX}). Both bounds belong to the range: {@code "A".."M"} holds
 * {@code "M"} but not {@code "Mary"}, which sorts after {@code "M"}.
 *
 * @param first the smallest value in the range; null for MIN
 * @param last the largest value in the range; null for MAX
 */
public record TextRange(String first, String last) implements Serializable {

  public TextRange {
    if (first != null && last != null && compare(first, last) > 0) {
      throw new ShardingException(
          "Key range "
              + describe(first, last)
              + " is empty: its first key sorts after its last (strings compare by their UTF-8"
              + " bytes, case-sensitive). Write it as "
              + describe(last, first)
              + ".");
    }
  }

  /**
   * Parses {@code first..last}: each bound is a string in double quotes ({@code "A"}, with {@code
   * \"} and {@code \\} inside), a bare word without {@code ..} (taken as written, trimmed), or
   * {@code MIN} / {@code MAX}. Write {@code "MIN"} in quotes for the string MIN.
   */
  public static TextRange parse(String text, String keyColumn) {
    String s = text.trim();
    int[] pos = {0};
    try {
      String first = bound(s, pos);
      skipSpaces(s, pos);
      if (!s.startsWith("..", pos[0])) {
        throw new IllegalArgumentException();
      }
      pos[0] += 2;
      skipSpaces(s, pos);
      String last = bound(s, pos);
      skipSpaces(s, pos);
      if (pos[0] != s.length()) {
        throw new IllegalArgumentException();
      }
      return new TextRange(first, last);
    } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
      throw new ShardingException(
          "Key range '"
              + text
              + "' of the key '"
              + keyColumn
              + "' (Spark type string) is not of the form "
              + KeyType.TEXT.rangeForm()
              + ".");
    }
  }

  private static void skipSpaces(String s, int[] pos) {
    while (pos[0] < s.length() && s.charAt(pos[0]) == ' ') {
      pos[0]++;
    }
  }

  /** One bound at pos; null for MIN/MAX. */
  private static String bound(String s, int[] pos) {
    if (pos[0] < s.length() && s.charAt(pos[0]) == '"') {
      StringBuilder b = new StringBuilder();
      int i = pos[0] + 1;
      while (s.charAt(i) != '"') {
        char c = s.charAt(i);
        if (c == '\\') {
          i++;
          c = s.charAt(i);
        }
        b.append(c);
        i++;
      }
      pos[0] = i + 1;
      return b.toString();
    }
    int end = s.indexOf("..", pos[0]);
    String word = (end < 0 ? s.substring(pos[0]) : s.substring(pos[0], end)).trim();
    if (word.isEmpty() || word.contains("\"")) {
      throw new IllegalArgumentException();
    }
    pos[0] = end < 0 ? s.length() : end;
    if (word.equals("MIN") || word.equals("MAX")) {
      return null;
    }
    return word;
  }

  public boolean contains(String key) {
    return (first == null || compare(first, key) <= 0) && (last == null || compare(key, last) <= 0);
  }

  /** True when the two ranges share a value. */
  public boolean overlaps(TextRange other) {
    boolean thisStartsBeforeOtherEnds =
        other.last == null || first == null || compare(first, other.last) <= 0;
    boolean otherStartsBeforeThisEnds =
        last == null || other.first == null || compare(other.first, last) <= 0;
    return thisStartsBeforeOtherEnds && otherStartsBeforeThisEnds;
  }

  /** Orders ranges by their first bound, MIN first. */
  public int compareFirst(TextRange other) {
    if (first == null || other.first == null) {
      return first == null ? (other.first == null ? 0 : -1) : 1;
    }
    return compare(first, other.first);
  }

  /** Spark's default string order: UTF-8 bytes, unsigned; the same as comparing code points. */
  public static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  /** The range as written back: {@code "A".."M"}, {@code MIN.."M"}. */
  @Override
  public String toString() {
    return describe(first, last);
  }

  /** The default shard name: each bound {@link #escape escaped}, MIN / MAX as words. */
  public String defaultName() {
    return (first == null ? "MIN" : escape(first)) + ".." + (last == null ? "MAX" : escape(last));
  }

  /**
   * A string as a path-safe name part: {@code A-Z a-z 0-9 . -} are kept, every other character is
   * written {@code _XX} per UTF-8 byte in hex ({@code "New York"} is {@code New_20York}, {@code
   * "_"} is {@code _5F}), so distinct strings give distinct names.
   */
  public static String escape(String value) {
    StringBuilder b = new StringBuilder();
    for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '.' || c == '-')) {
        b.append(c);
      } else {
        b.append('_').append(String.format("%02X", x & 0xff));
      }
    }
    return b.toString();
  }

  private static String describe(String first, String last) {
    return quote(first, "MIN") + ".." + quote(last, "MAX");
  }

  private static String quote(String v, String open) {
    return v == null ? open : quoted(v);
  }

  /** A string in double quotes with {@code \"} and {@code \\} escaped: {@code "New York"}. */
  public static String quoted(String v) {
    return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}

package io.shardscore.job.change;

import java.util.Locale;

/**
 * What a shard's input is, order-independently: its row count and the sums (mod 2^64) of two
 * independent 64-bit row hashes. Any added, removed or changed row changes it (up to a 2^-128
 * collision chance per change); reordering rows or files does not.
 */
public record ShardFingerprint(long rows, long sumA, long sumB) {

  public static final ShardFingerprint EMPTY = new ShardFingerprint(0, 0, 0);

  public ShardFingerprint plus(ShardFingerprint other) {
    return new ShardFingerprint(rows + other.rows, sumA + other.sumA, sumB + other.sumB);
  }

  /** Parses {@link #encoded()}. */
  public static ShardFingerprint decode(String text) {
    int colon = text.indexOf(':');
    String hex = text.substring(colon + 1);
    return new ShardFingerprint(
        Long.parseLong(text.substring(0, colon)),
        Long.parseUnsignedLong(hex.substring(0, 16), 16),
        Long.parseUnsignedLong(hex.substring(16), 16));
  }

  /** The form stored in the manifest: {@code <rows>:<32 hex digits>}. */
  public String encoded() {
    return String.format(Locale.ROOT, "%d:%016x%016x", rows, sumA, sumB);
  }
}

package io.shardscore.job.change;

import java.util.Locale;

/**
 * What a shard's input is, order-independently: its row count and the sums (mod 2^64) of two
 * independent 64-bit row hashes, under a fingerprint scheme ({@link RowHasher#SCHEME}). Any added,
 * removed or changed row changes it (up to a 2^-128 collision chance per change); reordering rows
 * or files does not. Fingerprints of different schemes are never equal: one taken under another
 * scheme says nothing about today's rows.
 *
 * @param scheme the row-hash scheme of the sums: 1 for fingerprints stored before schemes were
 *     recorded, {@link RowHasher#SCHEME} for those this version computes
 */
public record ShardFingerprint(long rows, long sumA, long sumB, int scheme) {

  public static final ShardFingerprint EMPTY = new ShardFingerprint(0, 0, 0);

  private static final String SCHEME_PREFIX = "s";

  /** A fingerprint of sums computed by this version's {@link RowHasher}. */
  public ShardFingerprint(long rows, long sumA, long sumB) {
    this(rows, sumA, sumB, RowHasher.SCHEME);
  }

  public ShardFingerprint plus(ShardFingerprint other) {
    if (scheme != other.scheme) {
      throw new IllegalArgumentException(
          "Cannot add fingerprints of schemes " + scheme + " and " + other.scheme);
    }
    return new ShardFingerprint(rows + other.rows, sumA + other.sumA, sumB + other.sumB, scheme);
  }

  /** True when this fingerprint was taken with the row hash this version computes. */
  public boolean currentScheme() {
    return scheme == RowHasher.SCHEME;
  }

  /**
   * Parses {@link #encoded()}: {@code s<scheme>:<rows>:<32 hex digits>}, or the scheme-1 form
   * {@code <rows>:<32 hex digits>} of manifests written before schemes were recorded.
   */
  public static ShardFingerprint decode(String text) {
    int scheme = 1;
    String rest = text;
    if (text.startsWith(SCHEME_PREFIX)) {
      int colon = text.indexOf(':');
      scheme = Integer.parseInt(text.substring(SCHEME_PREFIX.length(), colon));
      rest = text.substring(colon + 1);
    }
    int colon = rest.indexOf(':');
    String hex = rest.substring(colon + 1);
    return new ShardFingerprint(
        Long.parseLong(rest.substring(0, colon)),
        Long.parseUnsignedLong(hex.substring(0, 16), 16),
        Long.parseUnsignedLong(hex.substring(16), 16),
        scheme);
  }

  /**
   * The form stored in the manifest: {@code s<scheme>:<rows>:<32 hex digits>}; scheme 1 keeps its
   * old form {@code <rows>:<32 hex digits>}.
   */
  public String encoded() {
    String sums = String.format(Locale.ROOT, "%d:%016x%016x", rows, sumA, sumB);
    return scheme == 1 ? sums : SCHEME_PREFIX + scheme + ":" + sums;
  }
}

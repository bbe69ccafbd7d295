package io.shardscore.job.change;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The canonical encodings of numbers the row hash is computed over: doubles with one zero and one
 * NaN, and decimals (and, in the earlier encoding, integral columns) as the hash of their plain
 * decimal text, built without a String where the value fits a long.
 */
final class CanonicalText {
  private static final byte[] ZERO = "0".getBytes(StandardCharsets.UTF_8);

  private CanonicalText() {}

  /** The bits of {@code v}, with {@code -0.0} equal to {@code 0.0} and every NaN the same. */
  static long canonical(double v) {
    if (v == 0.0) {
      return 0L; // -0.0 and 0.0
    }
    return Double.doubleToLongBits(v); // collapses every NaN to one
  }

  /**
   * A decimal by value: the hash of the plain text of its value without trailing zeros ({@code
   * 1.50} and {@code 1.5} are equal), built without BigDecimal when it fits a long.
   */
  static long decimal(Decimal d, long seed) {
    if (d.precision() > Decimal.MAX_LONG_DIGITS()) {
      BigDecimal v = d.toJavaBigDecimal();
      String s = v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
      return XXH64.hashUTF8String(UTF8String.fromString(s), seed);
    }
    long unscaled = d.toUnscaledLong();
    if (unscaled == 0) {
      return XXH64.hashUnsafeBytes(ZERO, Platform.BYTE_ARRAY_OFFSET, 1, seed);
    }
    int scale = d.scale();
    while (unscaled % 10 == 0) {
      unscaled /= 10;
      scale--;
    }
    return digits(unscaled, scale, seed);
  }

  /**
   * The hash of the text {@code new BigDecimal(unscaled, scale).toPlainString()} would give ({@code
   * Long.toString(unscaled)} for scale 0), written without building a String.
   */
  static long digits(long unscaled, int scale, long seed) {
    if (unscaled == Long.MIN_VALUE) {
      String s = BigDecimal.valueOf(unscaled, scale).toPlainString();
      return XXH64.hashUTF8String(UTF8String.fromString(s), seed);
    }
    boolean negative = unscaled < 0;
    long m = negative ? -unscaled : unscaled;
    int digits = 1;
    for (long r = m / 10; r != 0; r /= 10) {
      digits++;
    }
    int len = scale <= 0 ? digits - scale : digits > scale ? digits + 1 : scale + 2;
    if (negative) {
      len++;
    }
    byte[] b = new byte[len];
    int p = len;
    if (scale <= 0) {
      for (int z = 0; z < -scale; z++) {
        b[--p] = '0';
      }
    } else {
      for (int f = 0; f < scale; f++) {
        b[--p] = (byte) ('0' + m % 10);
        m /= 10;
      }
      b[--p] = '.';
    }
    do {
      b[--p] = (byte) ('0' + m % 10);
      m /= 10;
    } while (m != 0);
    if (negative) {
      b[--p] = '-';
    }
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, len, seed);
  }
}

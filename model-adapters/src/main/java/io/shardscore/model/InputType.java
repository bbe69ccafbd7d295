package io.shardscore.model;

import java.util.Locale;

/**
 * The element type of one model input. Values travel in a batch as float32, so integer inputs are
 * exact up to 2<sup>24</sup> in magnitude (the row scorer refuses other values with a reason). A
 * float64 value travels exactly as three float32 parts whose sum is the value ({@link #carry}):
 * each float64 value takes {@link #slots()} floats of a batch row.
 */
public enum InputType {
  FLOAT32,
  FLOAT64,
  INT32,
  INT64;

  /** Largest magnitude an integer input carries exactly. */
  public static final double MAX_EXACT_INTEGER = 1 << 24;

  /**
   * Why {@code v} (read as {@code x} in float32) cannot feed an integer input, as the end of a
   * row's reason ({@code " value 2.5 is not a whole number ..."}); null when it can. The batch job
   * and the server give the same reason.
   */
  public static String notAnInteger(double v, float x) {
    // The value as read, not its float: 16777217 rounds to the float 16777216, which would pass.
    if (v == Math.rint(v) && Math.abs(v) <= MAX_EXACT_INTEGER) {
      return null;
    }
    return " value "
        + v
        + " is not a whole number up to 2^24 in magnitude, which its integer input"
        + " takes";
  }

  /** True for the integer types, whose values must be whole numbers. */
  public boolean integral() {
    return this == INT32 || this == INT64;
  }

  /** Floats one value of this type takes in a batch row: 3 for float64, else 1. */
  public int slots() {
    return this == FLOAT64 ? 3 : 1;
  }

  /**
   * Writes float64 {@code v} (finite) exactly as three floats {@code hi, mid, lo} at {@code
   * out[pos..pos+2]}, where {@code ((double) hi + mid) + lo} is {@code v}, bit for bit ({@link
   * #carried}): {@code hi} is {@code v} rounded to float32, each next part the rounded remainder.
   * Returns null, or why {@code v} cannot be carried (outside float32's range, or so small that its
   * last bits fall below float32's smallest value) as the end of a row's reason; the batch job and
   * the server give the same one.
   */
  public static String carry(double v, float[] out, int pos) {
    float hi = (float) v;
    if (Float.isInfinite(hi)) {
      return " value " + v + " is outside the range a float64 input carries (about ±3.4e38)";
    }
    double rest = v - hi;
    float mid = (float) rest;
    float lo = (float) (rest - mid);
    out[pos] = hi;
    out[pos + 1] = mid;
    out[pos + 2] = lo;
    if (Double.doubleToLongBits(carried(out, pos)) != Double.doubleToLongBits(v)) {
      return " value "
          + v
          + " cannot be carried exactly: its last digits lie below 1e-45 (a float64 input"
          + " carries values down to about 1e-29 at full precision)";
    }
    return null;
  }

  /** The float64 value {@link #carry} wrote at {@code values[pos..pos+2]}. */
  public static double carried(float[] values, int pos) {
    float mid = values[pos + 1];
    float lo = values[pos + 2];
    // A value float32 holds has no remainder: returned as is, the sign of -0.0 included.
    return mid == 0 && lo == 0 ? values[pos] : ((double) values[pos] + mid) + lo;
  }

  /**
   * Parses {@code float32}, {@code float64}, {@code int32} or {@code int64} (also {@code float},
   * {@code double}, {@code int}, {@code long}), case-insensitively.
   *
   * @param label where the name came from, for the message
   */
  public static InputType parse(String text, String label) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "float32", "float" -> FLOAT32;
      case "float64", "double" -> FLOAT64;
      case "int32", "int" -> INT32;
      case "int64", "long" -> INT64;
      default ->
          throw new ModelLoadException(
              label + " is '" + text + "'; use float32, float64, int32 or int64.");
    };
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}

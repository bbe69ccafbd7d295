package io.shardscore.model;

import java.util.Locale;

/**
 * The element type of one model input. Values travel in a batch as float32, so integer inputs are
 * exact up to 2<sup>24</sup> in magnitude (the row scorer refuses other values with a reason);
 * float64 inputs are not offered, since they would silently carry float32 precision.
 */
public enum InputType {
  FLOAT32,
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
    if (x == Math.rint(x) && Math.abs(x) <= MAX_EXACT_INTEGER) {
      return null;
    }
    return " value "
        + v
        + " is not a whole number up to 2^24 in magnitude, which its integer input"
        + " takes";
  }

  /** True for the integer types, whose values must be whole numbers. */
  public boolean integral() {
    return this != FLOAT32;
  }

  /**
   * Parses {@code float32}, {@code int32} or {@code int64} (also {@code float}, {@code int}, {@code
   * long}), case-insensitively.
   *
   * @param label where the name came from, for the message
   */
  public static InputType parse(String text, String label) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "float32", "float" -> FLOAT32;
      case "int32", "int" -> INT32;
      case "int64", "long" -> INT64;
      default ->
          throw new ModelLoadException(
              label
                  + " is '"
                  + text
                  + "'; use float32, int32 or int64"
                  + (t.equals("float64") || t.equals("double")
                      ? " (float64 is not offered: values travel as float32, so a float64 input"
                          + " would silently get float32 precision; export the model with a"
                          + " float32 input)"
                      : "")
                  + ".");
    };
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}

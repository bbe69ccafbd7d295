package io.shardscore.job.config;

import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@code model.features}: a scalar column ({@code tenure_months}) feeding one value, a
 * fixed-length array column ({@code spend_by_month[6]}) feeding {@code length} values, or an array
 * column of any length up to {@code length} ({@code clicks[..64]}, a <em>sequence</em>, for a
 * sequence input of {@code model.inputs}). The column is named as written, spaces, dots and all
 * ({@code usage by month[12]}); only a trailing {@code [n]} or {@code [..n]} is the length.
 *
 * @param variable true for an array of any length up to {@code length}
 */
public record FeatureColumn(String column, int length, boolean array, boolean variable)
    implements Serializable {
  private static final Pattern ARRAY =
      Pattern.compile("^\\s*(.*?\\S)\\s*\\[\\s*(\\.\\.)?\\s*(\\d+)\\s*]\\s*$");

  /** A scalar or a fixed-length array. */
  public FeatureColumn(String column, int length, boolean array) {
    this(column, length, array, false);
  }

  public static FeatureColumn parse(String text) {
    if (text == null || text.isBlank()) {
      throw new JobConfigException(
          "model.features has an empty entry; list column names, e.g. [age, spend[6]].");
    }
    if (text.contains("[") || text.contains("]")) {
      Matcher m = ARRAY.matcher(text);
      int length = m.matches() ? lengthOf(m.group(3)) : 0;
      if (length > MAX_LENGTH) {
        throw new JobConfigException(
            "model.features entry '"
                + text
                + "' declares "
                + m.group(3)
                + " elements, more than one tensor row can hold ("
                + MAX_LENGTH
                + "); check the length in brackets.");
      }
      if (length < 1) {
        throw new JobConfigException(
            "model.features entry '"
                + text
                + "' is not 'column', 'column[length]' or 'column[..max-length]'; write an array"
                + " feature as e.g. 'spend_by_month[6]', or one of any length up to 64 as"
                + " 'clicks[..64]'.");
      }
      return new FeatureColumn(m.group(1), length, true, m.group(2) != null);
    }
    return new FeatureColumn(text.trim(), 1, false);
  }

  /** The largest array feature a row of the model's input tensor can hold. */
  static final int MAX_LENGTH = 1 << 24;

  /** The bracketed length, saturated above {@link #MAX_LENGTH} instead of overflowing. */
  private static int lengthOf(String digits) {
    String significant = digits.replaceFirst("^0+(?=\\d)", "");
    return significant.length() > 9
        ? MAX_LENGTH + 1
        : Math.min(Integer.parseInt(significant), MAX_LENGTH + 1);
  }

  /** Floats the column takes in a batch row: a sequence's length, then its padded values. */
  public int width() {
    return variable ? length + 1 : length;
  }

  @Override
  public String toString() {
    return array ? column + (variable ? "[.." : "[") + length + "]" : column;
  }
}

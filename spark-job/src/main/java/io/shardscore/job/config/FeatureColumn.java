package io.shardscore.job.config;

import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@code model.features}: a scalar column ({@code tenure_months}) feeding one value,
 * or a fixed-length array column ({@code spend_by_month[6]}) feeding {@code length} values. The
 * column is named as written, spaces, dots and all ({@code usage by month[12]}); only a trailing
 * {@code [n]} is the length.
 */
public record FeatureColumn(String column, int length, boolean array) implements Serializable {
  private static final Pattern ARRAY = Pattern.compile("^\\s*(.*?\\S)\\s*\\[\\s*(\\d+)\\s*]\\s*$");

  public static FeatureColumn parse(String text) {
    if (text == null || text.isBlank()) {
      throw new JobConfigException(
          "model.features has an empty entry; list column names, e.g. [age, spend[6]].");
    }
    if (text.contains("[") || text.contains("]")) {
      Matcher m = ARRAY.matcher(text);
      int length = m.matches() ? lengthOf(m.group(2)) : 0;
      if (length > MAX_LENGTH) {
        throw new JobConfigException(
            "model.features entry '"
                + text
                + "' declares "
                + m.group(2)
                + " elements, more than one tensor row can hold ("
                + MAX_LENGTH
                + "); check the length in brackets.");
      }
      if (length < 1) {
        throw new JobConfigException(
            "model.features entry '"
                + text
                + "' is not 'column' or 'column[length]'; write an array feature as e.g."
                + " 'spend_by_month[6]'.");
      }
      return new FeatureColumn(m.group(1), length, true);
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

  @Override
  public String toString() {
    return array ? column + "[" + length + "]" : column;
  }
}

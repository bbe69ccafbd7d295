package io.shardscore.serving;

import io.shardscore.model.InputType;

/**
 * One entry of {@code model.features} as a request row carries it: a scalar field feeding one
 * value, or a fixed-length array field feeding {@code length} values, in tensor order.
 *
 * @param column the row's field, named as in the job file
 * @param length values it feeds: 1 for a scalar
 * @param array whether the field holds a JSON array
 * @param type the element type of the input it feeds: an integer input takes whole numbers up to
 *     2^24 only, a float64 value takes three floats of a batch row (see {@link InputType#carry})
 * @param variable true for an array of any length up to {@code length} (a sequence input's), which
 *     a row carries as its length, its values, then zeros up to {@code length}
 */
public record FeatureInput(
    String column, int length, boolean array, InputType type, boolean variable) {
  /** A feature of a float32 input. */
  public FeatureInput(String column, int length, boolean array) {
    this(column, length, array, InputType.FLOAT32, false);
  }

  public FeatureInput {
    if (column == null
        || column.isBlank()
        || length < 1
        || (!array && length != 1)
        || (variable && !array)
        || type == null) {
      throw new IllegalArgumentException(
          "feature " + column + "[" + length + "] (array " + array + ") is not a feature");
    }
  }

  /** Whether it feeds an integer input. */
  public boolean integral() {
    return type.integral();
  }

  /** Floats the feature takes in a batch row. */
  public int width() {
    return length * type.slots() + (variable ? 1 : 0);
  }

  @Override
  public String toString() {
    return array ? column + (variable ? "[.." : "[") + length + "]" : column;
  }
}

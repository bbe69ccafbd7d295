package io.shardscore.serving;

/**
 * One entry of {@code model.features} as a request row carries it: a scalar field feeding one
 * value, or a fixed-length array field feeding {@code length} values, in tensor order.
 *
 * @param column the row's field, named as in the job file
 * @param length values it feeds: 1 for a scalar
 * @param array whether the field holds a JSON array
 * @param integral whether it feeds an integer input (whole numbers up to 2^24 only)
 * @param variable true for an array of any length up to {@code length} (a sequence input's), which
 *     a row carries as its length, its values, then zeros up to {@code length}
 */
public record FeatureInput(
    String column, int length, boolean array, boolean integral, boolean variable) {
  /** A feature of a float32 input. */
  public FeatureInput(String column, int length, boolean array) {
    this(column, length, array, false, false);
  }

  /** A scalar or fixed-length array feature. */
  public FeatureInput(String column, int length, boolean array, boolean integral) {
    this(column, length, array, integral, false);
  }

  public FeatureInput {
    if (column == null
        || column.isBlank()
        || length < 1
        || (!array && length != 1)
        || (variable && !array)) {
      throw new IllegalArgumentException(
          "feature " + column + "[" + length + "] (array " + array + ") is not a feature");
    }
  }

  /** Floats the feature takes in a batch row. */
  public int width() {
    return variable ? length + 1 : length;
  }

  @Override
  public String toString() {
    return array ? column + (variable ? "[.." : "[") + length + "]" : column;
  }
}

package io.shardscore.model;

/**
 * A view of {@code rows} rows of {@code features} floats each, row-major, at the start of {@code
 * values}. The caller owns and reuses the array; a batch is only valid until the caller refills it.
 */
public record FeatureBatch(float[] values, int rows, int features) {
  public FeatureBatch {
    if (rows < 0 || features < 1 || (long) rows * features > values.length) {
      throw new IllegalArgumentException(
          "batch of " + rows + " x " + features + " does not fit " + values.length + " floats");
    }
  }
}

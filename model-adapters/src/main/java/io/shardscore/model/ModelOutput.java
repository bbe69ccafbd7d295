package io.shardscore.model;

/**
 * The model's output for one batch: {@code rows} rows of {@code width} floats, row-major (e.g.
 * class probabilities).
 */
public record ModelOutput(float[] values, int rows, int width) {

  public float get(int row, int column) {
    return values[row * width + column];
  }

  /** Index of the largest value in a row; the first on ties; a NaN below every number. */
  public int argmax(int row) {
    int base = row * width;
    int best = 0;
    for (int c = 1; c < width; c++) {
      if (above(values[base + c], values[base + best])) {
        best = c;
      }
    }
    return best;
  }

  /**
   * True when {@code v} ranks above {@code w}: larger, or a number where {@code w} is NaN (a NaN at
   * the first index no longer wins the argmax; neither does one displace a top-k value).
   */
  public static boolean above(float v, float w) {
    return v > w || (Float.isNaN(w) && !Float.isNaN(v));
  }
}

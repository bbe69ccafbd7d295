package io.shardscore.model;

/**
 * The model's output for one batch: {@code rows} rows of {@code width} floats, row-major (e.g.
 * class probabilities). A model whose spec names several output tensors ({@link
 * ModelSpec#outputs()}) has them side by side in each row, {@code segments} giving each tensor's
 * width in order; the first one is the primary output (what probabilities, score and label are
 * taken from).
 *
 * @param segments the width of each output tensor, summing to {@code width}; null for one tensor
 */
public record ModelOutput(float[] values, int rows, int width, int[] segments) {

  /** The output of a model with one output tensor. */
  public ModelOutput(float[] values, int rows, int width) {
    this(values, rows, width, null);
  }

  public float get(int row, int column) {
    return values[row * width + column];
  }

  /** Values per row of the primary output tensor. */
  public int primaryWidth() {
    return segments == null ? width : segments[0];
  }

  /** Output tensors side by side in each row. */
  public int segmentCount() {
    return segments == null ? 1 : segments.length;
  }

  /** Values per row of output tensor {@code i}. */
  public int segmentWidth(int i) {
    return segments == null ? width : segments[i];
  }

  /** Where output tensor {@code i} starts in a row. */
  public int segmentOffset(int i) {
    int offset = 0;
    for (int k = 0; k < i; k++) {
      offset += segments[k];
    }
    return offset;
  }

  /**
   * Index of the largest value of the primary output in a row; the first on ties; a NaN below every
   * number.
   */
  public int argmax(int row) {
    int base = row * width;
    int best = 0;
    for (int c = 1; c < primaryWidth(); c++) {
      if (above(values[base + c], values[base + best])) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Puts the indexes of row {@code row}'s {@code k} largest primary values into {@code top},
   * largest first, the lower index first among equal values, a NaN below every number (as {@link
   * #argmax}): one pass, k comparisons per value. The batch job's and the server's top-k.
   */
  public void topK(int row, int k, int[] top) {
    int filled = 0;
    for (int c = 0; c < primaryWidth(); c++) {
      float v = get(row, c);
      if (filled == k && !above(v, get(row, top[k - 1]))) {
        continue;
      }
      int i = filled == k ? k - 1 : filled++;
      while (i > 0 && above(v, get(row, top[i - 1]))) {
        top[i] = top[i - 1];
        i--;
      }
      top[i] = c;
    }
  }

  /**
   * True when {@code v} ranks above {@code w}: larger, or a number where {@code w} is NaN (a NaN at
   * the first index no longer wins the argmax; neither does one displace a top-k value).
   */
  public static boolean above(float v, float w) {
    return v > w || (Float.isNaN(w) && !Float.isNaN(v));
  }
}

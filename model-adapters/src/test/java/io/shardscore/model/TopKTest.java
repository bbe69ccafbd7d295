package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The top-k values of a row and its argmax agree: largest first, the lower index first among equal
 * values, and a NaN a model returns ranks below every number wherever it is in the row.
 */
class TopKTest {
  private static int[] top(float[] row, int k) {
    int[] top = new int[k];
    new ModelOutput(row, 1, row.length).topK(0, k, top);
    return top;
  }

  @Test
  void largestFirstAndTheLowerIndexFirstAmongEqualValues() {
    assertArrayEquals(new int[] {2, 3, 0, 1}, top(new float[] {0.1f, 0.1f, 0.5f, 0.3f}, 4));
    assertArrayEquals(new int[] {1, 2}, top(new float[] {0.2f, 0.4f, 0.4f}, 2));
  }

  @Test
  void aNanRanksBelowEveryNumberInTopKAndArgmax() {
    float nan = Float.NaN;
    // A NaN in the middle displaced the k-th value and left the scores out of order.
    assertArrayEquals(new int[] {2, 3}, top(new float[] {0.1f, nan, 0.5f, 0.4f}, 2));
    assertArrayEquals(new int[] {2, 3, 0, 1}, top(new float[] {0.1f, nan, 0.5f, 0.4f}, 4));
    assertArrayEquals(new int[] {2, 1, 0}, top(new float[] {nan, 0.2f, 0.7f}, 3));
    // The argmax (label, label_name) is the first of the top k.
    assertEquals(2, new ModelOutput(new float[] {nan, 0.2f, 0.7f}, 1, 3).argmax(0));
    assertEquals(2, new ModelOutput(new float[] {0.1f, nan, 0.5f, 0.4f}, 1, 4).argmax(0));
    // All NaN: the first, as for ties.
    assertArrayEquals(new int[] {0, 1}, top(new float[] {nan, nan}, 2));
    assertEquals(0, new ModelOutput(new float[] {nan, nan}, 1, 2).argmax(0));
  }
}

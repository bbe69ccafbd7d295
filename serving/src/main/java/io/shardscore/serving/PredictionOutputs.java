package io.shardscore.serving;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.model.ModelOutput;

/**
 * The prediction fields of a response row, named as the batch job names its prediction columns
 * ({@code model.outputs}): the whole output row, one value of it, and its argmax. An empty name
 * leaves a field out.
 *
 * @param scoreIndex which output value {@code score} takes, already resolved against the model
 */
public record PredictionOutputs(String probabilities, String score, int scoreIndex, String label) {

  /** Writes row {@code row} of {@code out} into {@code target}, as the batch job computes it. */
  public void write(ModelOutput out, int row, ObjectNode target) {
    if (!probabilities.isEmpty()) {
      var array = target.putArray(probabilities);
      for (int c = 0; c < out.width(); c++) {
        array.add(out.get(row, c));
      }
    }
    if (!score.isEmpty()) {
      target.put(score, out.get(row, scoreIndex));
    }
    if (!label.isEmpty()) {
      target.put(label, out.argmax(row));
    }
  }
}

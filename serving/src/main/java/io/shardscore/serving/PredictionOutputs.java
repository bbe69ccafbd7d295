package io.shardscore.serving;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.model.ModelOutput;
import java.util.List;

/**
 * The prediction fields of a response row, named as the batch job names its prediction columns
 * ({@code model.outputs}): the primary output row, one value of it, its argmax, the argmax's class
 * name, the top k values with their class names, and other output tensors whole. An empty name
 * leaves a field out.
 *
 * @param scoreIndex which output value {@code score} takes, already resolved against the model
 * @param labelName field for the argmax's class name; empty for none
 * @param topK how many values the top-k fields hold; 0 for none
 * @param labels the class names, one per primary output value; empty without
 * @param tensors other output tensors written whole, in order
 */
public record PredictionOutputs(
    String probabilities,
    String score,
    int scoreIndex,
    String label,
    String labelName,
    int topK,
    String topLabels,
    String topScores,
    List<String> labels,
    List<Tensor> tensors) {

  /** An output tensor written whole: {@code width} values from {@code offset} of each row. */
  public record Tensor(String field, int offset, int width) {}

  public PredictionOutputs {
    labels = List.copyOf(labels);
    tensors = List.copyOf(tensors);
  }

  /** The fields of a model's first output alone, without class names. */
  public PredictionOutputs(String probabilities, String score, int scoreIndex, String label) {
    this(probabilities, score, scoreIndex, label, "", 0, "", "", List.of(), List.of());
  }

  /** Writes row {@code row} of {@code out} into {@code target}, as the batch job computes it. */
  public void write(ModelOutput out, int row, ObjectNode target) {
    if (!probabilities.isEmpty()) {
      ArrayNode array = target.putArray(probabilities);
      for (int c = 0; c < out.primaryWidth(); c++) {
        array.add(out.get(row, c));
      }
    }
    if (!score.isEmpty()) {
      target.put(score, out.get(row, scoreIndex));
    }
    if (!label.isEmpty()) {
      target.put(label, out.argmax(row));
    }
    if (!labelName.isEmpty()) {
      target.put(labelName, labels.get(out.argmax(row)));
    }
    if (topK > 0) {
      int[] top = new int[topK];
      out.topK(row, topK, top);
      ArrayNode names = target.putArray(topLabels);
      ArrayNode values = target.putArray(topScores);
      for (int i : top) {
        names.add(labels.get(i));
        values.add(out.get(row, i));
      }
    }
    for (Tensor t : tensors) {
      ArrayNode array = target.putArray(t.field());
      for (int c = 0; c < t.width(); c++) {
        array.add(out.get(row, t.offset() + c));
      }
    }
  }
}

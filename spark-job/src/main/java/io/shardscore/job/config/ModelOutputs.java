package io.shardscore.job.config;

import java.io.Serializable;
import java.util.Map;

/**
 * {@code model.outputs:} which prediction columns to write from the model's first output (a {@code
 * [batch, k]} tensor, e.g. class probabilities). A column whose name is {@code null} in YAML is
 * still written with its default name; set {@code ""} to leave it out.
 *
 * @param probabilities column for the whole output row as {@code array<float>}
 * @param score column for one output value as {@code float}
 * @param scoreIndex which value {@code score} takes; defaults to the last one (the positive class
 *     of a binary classifier)
 * @param label column for the index of the largest value as {@code int}
 * @param labelName column for the class name of the largest value as {@code string}; null for the
 *     default ({@code label_name} when the model has labels, else none)
 * @param topK how many of the largest values to write with their class names; null for none
 * @param topLabels column for the top-k class names as {@code array<string>}
 * @param topScores column for the top-k values as {@code array<float>}
 * @param from the output tensor the columns above are taken from (an ONNX output's name, a
 *     TorchScript tuple's position); null for the model's first output
 * @param tensors other output tensors to write whole, each to a column of its own ({@code
 *     array<float>}): tensor name (or position) to column, in column order
 */
public record ModelOutputs(
    String probabilities,
    String score,
    Integer scoreIndex,
    String label,
    String labelName,
    Integer topK,
    String topLabels,
    String topScores,
    String from,
    Map<String, String> tensors)
    implements Serializable {
  /** The default column for the class name when the model has labels. */
  public static final String DEFAULT_LABEL_NAME = "label_name";

  public ModelOutputs {
    probabilities = Settings.PROBABILITIES.orDefault(probabilities);
    score = Settings.SCORE.orDefault(score);
    label = Settings.LABEL.orDefault(label);
    topLabels = Settings.TOP_LABELS.orDefault(topLabels);
    topScores = Settings.TOP_SCORES.orDefault(topScores);
    from = from == null || from.isBlank() ? null : from.trim();
    tensors =
        tensors == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensors));
  }

  /** The columns of a model without labels. */
  public ModelOutputs(String probabilities, String score, Integer scoreIndex, String label) {
    this(probabilities, score, scoreIndex, label, null, null, null, null, null, null);
  }

  /**
   * The output tensors the model's spec selects, primary first ({@code ""} for the model's first
   * output); empty when the first output alone is used.
   */
  public java.util.List<String> selectedTensors() {
    if (from == null && tensors.isEmpty()) {
      return java.util.List.of();
    }
    java.util.List<String> out = new java.util.ArrayList<>();
    out.add(from == null ? "" : from);
    out.addAll(tensors.keySet());
    return out;
  }

  public static ModelOutputs defaults() {
    return new ModelOutputs(null, null, null, null);
  }
}

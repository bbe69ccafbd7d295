package io.shardscore.job.score;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.ModelOutputs;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * The prediction columns a run writes, resolved against the model's actual output width and class
 * names: the whole output row ({@code array<float>}), one value of it ({@code float}), its argmax
 * ({@code int}), the argmax's class name ({@code string}) and the top k values with their class
 * names ({@code array<float>}, {@code array<string>}). An empty name leaves a column out.
 *
 * @param labels the class names, one per output value; empty when the model has none
 * @param topK how many values the top-k columns hold; 0 for none
 * @param tensors other output tensors written whole, in column order
 */
public record PredictionColumns(
    String probabilities,
    String score,
    int scoreIndex,
    String label,
    int outputWidth,
    String labelName,
    int topK,
    String topLabels,
    String topScores,
    List<String> labels,
    List<TensorColumn> tensors)
    implements Serializable {

  public PredictionColumns {
    labels = List.copyOf(labels);
    tensors = tensors == null ? List.of() : List.copyOf(tensors);
  }

  /** The columns of a model without class names. */
  public PredictionColumns(
      String probabilities, String score, int scoreIndex, String label, int outputWidth) {
    this(probabilities, score, scoreIndex, label, outputWidth, "", 0, "", "", List.of(), List.of());
  }

  /**
   * Resolves {@code model.outputs} for a model whose first output has {@code outputWidth} values.
   */
  public static PredictionColumns resolve(ModelOutputs outputs, int outputWidth) {
    return resolve(outputs, outputWidth, List.of(), List.of());
  }

  /**
   * The same for a model with class names ({@code labels}, one per value; may be empty) whose other
   * selected output tensors ({@code outputs.tensors()}, in order) have {@code tensorWidths} values
   * per row.
   */
  public static PredictionColumns resolve(
      ModelOutputs outputs, int outputWidth, List<String> labels, List<Integer> tensorWidths) {
    int index = outputs.scoreIndex() == null ? outputWidth - 1 : outputs.scoreIndex();
    if (!outputs.score().isEmpty() && index >= outputWidth) {
      throw new JobConfigException(
          "model.outputs.score-index is "
              + index
              + ", but the model's output has "
              + outputWidth
              + " values per row (indexes 0 to "
              + (outputWidth - 1)
              + "). Pick an index in that range.");
    }
    String labelName = outputs.labelName();
    if (labelName == null) {
      labelName = labels.isEmpty() ? "" : ModelOutputs.DEFAULT_LABEL_NAME;
    }
    int topK = outputs.topK() == null ? 0 : outputs.topK();
    if (labels.isEmpty() && (!labelName.isEmpty() || topK > 0)) {
      throw new JobConfigException(
          "model.outputs."
              + (topK > 0 ? "top-k" : "label-name")
              + " writes class names, but the model has none; set model.labels to the file of"
              + " class names beside the model (one per line, in output order).");
    }
    if (topK > outputWidth) {
      throw new JobConfigException(
          "model.outputs.top-k is "
              + topK
              + ", but the model's output has "
              + outputWidth
              + " values per row. Pick k from 1 to "
              + outputWidth
              + ".");
    }
    if (tensorWidths.size() != outputs.tensors().size()) {
      throw new IllegalStateException(
          "model.outputs.tensors names "
              + outputs.tensors().size()
              + " tensors, the model returned "
              + tensorWidths.size());
    }
    List<TensorColumn> tensors = new ArrayList<>();
    int offset = outputWidth;
    int i = 0;
    for (Map.Entry<String, String> t : outputs.tensors().entrySet()) {
      int width = tensorWidths.get(i++);
      tensors.add(new TensorColumn(t.getKey(), t.getValue(), offset, width));
      offset += width;
    }
    return new PredictionColumns(
        outputs.probabilities(),
        outputs.score(),
        index,
        outputs.label(),
        outputWidth,
        labelName,
        topK,
        topK > 0 ? outputs.topLabels() : "",
        topK > 0 ? outputs.topScores() : "",
        labels,
        tensors);
  }

  /** The prediction fields, in output order. */
  public List<StructField> fields() {
    List<StructField> f = new ArrayList<>();
    if (!probabilities.isEmpty()) {
      f.add(
          DataTypes.createStructField(
              probabilities, DataTypes.createArrayType(DataTypes.FloatType, false), false));
    }
    if (!score.isEmpty()) {
      f.add(DataTypes.createStructField(score, DataTypes.FloatType, false));
    }
    if (!label.isEmpty()) {
      f.add(DataTypes.createStructField(label, DataTypes.IntegerType, false));
    }
    if (!labelName.isEmpty()) {
      f.add(DataTypes.createStructField(labelName, DataTypes.StringType, false));
    }
    if (!topLabels.isEmpty()) {
      f.add(
          DataTypes.createStructField(
              topLabels, DataTypes.createArrayType(DataTypes.StringType, false), false));
    }
    if (!topScores.isEmpty()) {
      f.add(
          DataTypes.createStructField(
              topScores, DataTypes.createArrayType(DataTypes.FloatType, false), false));
    }
    for (TensorColumn t : tensors) {
      f.add(
          DataTypes.createStructField(
              t.column(), DataTypes.createArrayType(DataTypes.FloatType, false), false));
    }
    return f;
  }

  /**
   * The columns as the run's settings digest covers them: for a model without class names the text
   * digests had before class names existed, so their outputs keep their digests.
   */
  public String settingsText() {
    String base =
        "PredictionColumns[probabilities="
            + probabilities
            + ", score="
            + score
            + ", scoreIndex="
            + scoreIndex
            + ", label="
            + label
            + ", outputWidth="
            + outputWidth
            + "]";
    String tensorText = tensors.isEmpty() ? "" : "[tensors=" + tensors + "]";
    if (labels.isEmpty()) {
      return base + tensorText;
    }
    // The class names themselves are in the model's digest (the labels file is one of its files).
    return base
        + "[labelName="
        + labelName
        + ", topK="
        + topK
        + ", topLabels="
        + topLabels
        + ", topScores="
        + topScores
        + "]"
        + tensorText;
  }
}

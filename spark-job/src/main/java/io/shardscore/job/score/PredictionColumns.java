package io.shardscore.job.score;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.ModelOutputs;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * The prediction columns a run writes, resolved against the model's actual output width: the whole
 * output row ({@code array<float>}), one value of it ({@code float}), and its argmax ({@code int}).
 * An empty name leaves a column out.
 */
public record PredictionColumns(
    String probabilities, String score, int scoreIndex, String label, int outputWidth)
    implements Serializable {

  /**
   * Resolves {@code model.outputs} for a model whose first output has {@code outputWidth} values.
   */
  public static PredictionColumns resolve(ModelOutputs outputs, int outputWidth) {
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
    return new PredictionColumns(
        outputs.probabilities(), outputs.score(), index, outputs.label(), outputWidth);
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
    return f;
  }
}

package io.shardscore.job.score;

import io.shardscore.model.BatchModel;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * How one row becomes the {@link #width()} floats it takes in a batch: numeric feature columns
 * ({@link FeatureLayout}) or a text column through the model's tokenizer ({@link TextColumn}).
 * Bound to the input's schema on the driver, shipped to the tasks, and given the task's model there
 * before the first row ({@link #forModel}).
 */
public interface RowFeatures extends Serializable {
  /** Floats per row. */
  int width();

  /**
   * Writes one row's values into {@code out} from {@code offset}; returns null if the row is
   * scorable, else the reason it is not. {@code out} may hold partial values after a failure.
   */
  String fill(InternalRow row, float[] out, int offset);

  /** These features as a task fills them for {@code model}; numeric features need nothing of it. */
  default RowFeatures forModel(BatchModel model) {
    return this;
  }
}

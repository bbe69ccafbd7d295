package io.shardscore.job.score;

import io.shardscore.model.BatchModel;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * A text model's input with numeric features beside it: each row's token ids (and mask) from its
 * text column, then the values of its named inputs' columns, in the order the model takes them. The
 * row is unscorable when either part is, with that part's reason (the text's first).
 */
public final class TextAndFeatures implements RowFeatures {
  private static final long serialVersionUID = 1L;

  private final RowFeatures text;
  private final FeatureLayout features;

  private TextAndFeatures(RowFeatures text, FeatureLayout features) {
    this.text = text;
    this.features = features;
  }

  /** {@code text}'s ids (and mask), then {@code features}' values. */
  public static TextAndFeatures of(TextColumn text, FeatureLayout features) {
    return new TextAndFeatures(text, features);
  }

  @Override
  public int width() {
    return text.width() + features.width();
  }

  @Override
  public RowFeatures forModel(BatchModel model) {
    return new TextAndFeatures(text.forModel(model), features);
  }

  @Override
  public String fill(InternalRow row, float[] out, int offset) {
    String reason = text.fill(row, out, offset);
    return reason != null ? reason : features.fill(row, out, offset + text.width());
  }
}

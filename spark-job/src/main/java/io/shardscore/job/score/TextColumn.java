package io.shardscore.job.score;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.model.BatchModel;
import io.shardscore.model.TextEncoder;
import io.shardscore.model.TextInput;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A text model's input: one string column, tokenized per row by the tokenizer of the task's model
 * (see {@link TextInput}). A null text makes the row unscorable, as does a text longer than the
 * model's length when truncation is off; an empty text is scored (its special tokens only).
 */
public final class TextColumn implements RowFeatures {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final int ordinal;
  private final int width;

  /** The task's tokenizer; null until {@link #forModel} (the driver's copy has none). */
  private final transient TextEncoder encoder;

  private TextColumn(String name, int ordinal, int width, TextEncoder encoder) {
    this.name = name;
    this.ordinal = ordinal;
    this.width = width;
    this.encoder = encoder;
  }

  /** Binds {@code column} of {@code schema}; a missing or non-string column is a config error. */
  public static TextColumn bind(String column, TextInput input, StructType schema) {
    String[] fields = schema.fieldNames();
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].equals(column)) {
        DataType t = schema.fields()[i].dataType();
        if (!t.equals(DataTypes.StringType)) {
          throw new JobConfigException(
              "model.text.column '"
                  + column
                  + "' is "
                  + t.simpleString()
                  + "; a text model reads a string column. Point it at the text, or cast the"
                  + " column to string in the input.");
        }
        return new TextColumn(column, i, input.width(), null);
      }
    }
    throw new JobConfigException(
        "model.text.column names column '"
            + column
            + "', which the input does not have. Input columns: "
            + String.join(", ", fields)
            + ".");
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public RowFeatures forModel(BatchModel model) {
    TextEncoder tokenizer = model.textEncoder();
    if (tokenizer == null || tokenizer.input().width() != width) {
      throw new IllegalStateException(
          "text column '" + name + "' is bound for " + width + " values, the model's are not");
    }
    return new TextColumn(name, ordinal, width, tokenizer);
  }

  @Override
  public String fill(InternalRow row, float[] out, int offset) {
    if (encoder == null) {
      throw new IllegalStateException("text column '" + name + "' has no tokenizer yet");
    }
    String text = row.isNullAt(ordinal) ? null : row.getUTF8String(ordinal).toString();
    return encoder.encode(name, text, out, offset);
  }
}

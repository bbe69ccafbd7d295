package io.shardscore.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardscore.model.InputType;
import io.shardscore.model.TextEncoder;
import java.util.List;

/**
 * How one JSON request row becomes {@code width} floats of the model's input tensor, with the batch
 * job's per-row checks and reasons (spark-job's {@code FeatureLayout}): a null, NaN, infinite,
 * non-numeric or wrong-length value makes the row unscorable with the same reason text. A value of
 * a JSON type that can never feed the feature (a boolean, an object, an array for a scalar, a
 * scalar for an array) or a missing field is a bad request instead, since it is the request's shape
 * that is wrong, not one row's data.
 */
public final class RowDecoder {
  private final List<FeatureInput> features;
  private final int width;

  /** A text model's field and tokenizer; null for numeric features. */
  private final String textField;

  private final TextEncoder encoder;

  public RowDecoder(List<FeatureInput> features) {
    if (features.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one feature");
    }
    this.features = List.copyOf(features);
    this.width = features.stream().mapToInt(FeatureInput::width).sum();
    this.textField = null;
    this.encoder = null;
  }

  /**
   * The rows of a text model: each row's {@code field}, a string, tokenized by the model's {@code
   * encoder} as the batch job tokenizes its text column.
   */
  public RowDecoder(String field, TextEncoder encoder) {
    this(field, encoder, List.of());
  }

  /**
   * The rows of a text model with numeric features beside its text: the text first, then {@code
   * features}, as the batch job lays them out.
   */
  public RowDecoder(String field, TextEncoder encoder, List<FeatureInput> features) {
    this.features = List.copyOf(features);
    this.width = encoder.input().width() + features.stream().mapToInt(FeatureInput::width).sum();
    this.textField = field;
    this.encoder = encoder;
  }

  /** Floats per row. */
  public int width() {
    return width;
  }

  public List<FeatureInput> features() {
    return features;
  }

  /**
   * Writes row {@code index}'s features into {@code out} from {@code offset}; returns null if the
   * row is scorable, else the reason it is not. Throws {@link BadRequest} for a row whose shape
   * cannot fit the features.
   */
  public String fill(JsonNode row, int index, float[] out, int offset) {
    if (row == null || !row.isObject()) {
      throw new BadRequest(
          400,
          "rows["
              + index
              + "] is "
              + kind(row)
              + ", not an object; send each row as {\"feature\": value, ...}.");
    }
    int pos = offset;
    String reason = null;
    if (encoder != null) {
      reason = text(row.get(textField), index, out, offset);
      pos += encoder.input().width();
    }
    for (FeatureInput f : features) {
      JsonNode value = row.get(f.column());
      if (value == null) {
        throw new BadRequest(
            400,
            "rows["
                + index
                + "] has no field '"
                + f.column()
                + "'; every row needs the features "
                + features
                + " (send null for a missing value).");
      }
      if (reason != null) {
        continue; // the row is already unscorable; still check the request's shape
      }
      if (value.isNull()) {
        reason = "feature '" + f.column() + "' is null";
      } else if (!f.array()) {
        requireScalar(value, index, f);
        reason = put(value, out, pos, f, -1);
        pos += f.type().slots();
      } else {
        if (!value.isArray()) {
          throw new BadRequest(
              400,
              "rows["
                  + index
                  + "]."
                  + f.column()
                  + " is "
                  + kind(value)
                  + ", but feature '"
                  + f
                  + "' is an array of "
                  + (f.variable() ? "up to " : "")
                  + f.length()
                  + " numbers.");
        }
        for (int e = 0; e < value.size(); e++) {
          if (!value.get(e).isNull()) {
            requireScalar(value.get(e), index, f);
          }
        }
        if (f.variable()) {
          // As the batch job writes a sequence: its length, its values, zeros to its maximum.
          int n = value.size();
          if (n > f.length()) {
            reason =
                "feature '"
                    + f.column()
                    + "' has "
                    + n
                    + " elements, more than its maximum length "
                    + f.length();
            continue;
          }
          out[pos] = n;
          for (int e = 0; e < n && reason == null; e++) {
            JsonNode element = value.get(e);
            reason =
                element.isNull()
                    ? "feature '" + f.column() + "' element " + e + " is null"
                    : put(element, out, pos + 1 + e * f.type().slots(), f, e);
          }
          java.util.Arrays.fill(
              out, pos + 1 + n * f.type().slots(), pos + 1 + f.length() * f.type().slots(), 0f);
          pos += f.width();
          continue;
        }
        if (value.size() != f.length()) {
          reason =
              "feature '"
                  + f.column()
                  + "' has "
                  + value.size()
                  + " elements, expected "
                  + f.length();
          continue;
        }
        for (int e = 0; e < f.length() && reason == null; e++) {
          JsonNode element = value.get(e);
          reason =
              element.isNull()
                  ? "feature '" + f.column() + "' element " + e + " is null"
                  : put(element, out, pos, f, e);
          pos += f.type().slots();
        }
      }
    }
    return reason;
  }

  private String text(JsonNode value, int index, float[] out, int offset) {
    if (value == null) {
      throw new BadRequest(
          400,
          "rows["
              + index
              + "] has no field '"
              + textField
              + "'; every row needs the text (send null for a missing one).");
    }
    if (!value.isNull() && !value.isTextual()) {
      throw new BadRequest(
          400,
          "rows["
              + index
              + "]."
              + textField
              + " is "
              + kind(value)
              + "; the text model takes a string.");
    }
    return encoder.encode(textField, value.isNull() ? null : value.asText(), out, offset);
  }

  private static void requireScalar(JsonNode value, int index, FeatureInput f) {
    if (!value.isNumber() && !value.isTextual()) {
      throw new BadRequest(
          400,
          "rows["
              + index
              + "]."
              + f.column()
              + (f.array() ? " holds " : " is ")
              + kind(value)
              + "; feature '"
              + f
              + "' takes "
              + (f.array() ? "an array of numbers" : "a number")
              + " (or a numeric string).");
    }
  }

  /** The value as the batch job reads it: a number as a double, a string parsed as one. */
  private static String put(JsonNode value, float[] out, int pos, FeatureInput f, int e) {
    double v;
    if (value.isNumber()) {
      v = value.doubleValue();
    } else {
      try {
        v = Double.parseDouble(value.asText().trim());
      } catch (NumberFormatException ex) {
        return what(f, e) + " value '" + value.asText() + "' is not a number";
      }
    }
    if (f.type() == InputType.FLOAT64) {
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        return what(f, e) + (Double.isNaN(v) ? " is NaN" : " is infinite");
      }
      String bad = InputType.carry(v, out, pos);
      return bad == null ? null : what(f, e) + bad;
    }
    float x = (float) v;
    if (Float.isNaN(x) || Float.isInfinite(x)) {
      return what(f, e)
          + (Double.isNaN(v)
              ? " is NaN"
              : Double.isInfinite(v) ? " is infinite" : " value " + v + " is outside float range");
    }
    String notInteger = f.integral() ? InputType.notAnInteger(v, x) : null;
    if (notInteger != null) {
      return what(f, e) + notInteger;
    }
    out[pos] = x;
    return null;
  }

  private static String what(FeatureInput f, int e) {
    return e < 0 ? "feature '" + f.column() + "'" : "feature '" + f.column() + "' element " + e;
  }

  private static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "missing";
    }
    return switch (n.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case BOOLEAN -> "a boolean (" + n.asText() + ")";
      case NULL -> "null";
      case STRING -> "a string";
      case NUMBER -> "a number";
      default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }
}

package io.shardscore.model;

import java.io.Serializable;
import java.util.List;

/**
 * One named input of a model that takes several tensors (or one of another type than float32):
 * {@code width} floats per batch row, in the row's order after the inputs before it, fed as a
 * {@code [batch, values]} tensor of {@code type} ({@code values} is {@code width}, or a third of it
 * for float64, whose values travel as three floats each, see {@link InputType#carry}).
 *
 * <p>A <em>sequence</em> input is fed from one array column of any length up to {@code maxLength}:
 * a row carries its length, then its values padded to {@code maxLength} (so {@code width} is {@code
 * 1 + maxLength * type.slots()}), and each batch is fed as a {@code [batch, longest]} tensor padded
 * with zeros to the longest row of that batch, followed, when {@code mask} names one, by a {@code
 * [batch, longest]} tensor of {@code maskType} with 1 for every value and 0 for padding.
 *
 * @param sequence true for an input fed from a variable-length array column
 * @param mask the model's name for the sequence's mask input; null when it takes none
 * @param maskType the mask's element type
 */
public record ModelInput(
    String name, int width, InputType type, boolean sequence, String mask, InputType maskType)
    implements Serializable {
  public ModelInput {
    if (name == null || name.isBlank()) {
      throw new ModelLoadException("A model input needs a name.");
    }
    if (width < 1 || (sequence && width < 2)) {
      throw new ModelLoadException("Model input '" + name + "' needs at least one column.");
    }
    if (mask != null && !sequence) {
      throw new ModelLoadException(
          "Model input '" + name + "' has a fixed width; only a sequence input has a mask.");
    }
    type = type == null ? InputType.FLOAT32 : type;
    maskType = maskType == null ? InputType.INT64 : maskType;
  }

  /** An input of fixed width. */
  public ModelInput(String name, int width, InputType type) {
    this(name, width, type, false, null, null);
  }

  /**
   * An input of {@code values} values per row, each taking {@code type.slots()} floats of a batch
   * row.
   */
  public static ModelInput of(String name, int values, InputType type) {
    InputType t = type == null ? InputType.FLOAT32 : type;
    return new ModelInput(name, values * t.slots(), t);
  }

  /** A sequence input of up to {@code maxLength} values per row, with an optional mask input. */
  public static ModelInput sequence(
      String name, int maxLength, InputType type, String mask, InputType maskType) {
    InputType t = type == null ? InputType.FLOAT32 : type;
    return new ModelInput(name, 1 + maxLength * t.slots(), t, true, mask, maskType);
  }

  /** Values a row may have: its width in values for a fixed input, the longest for a sequence. */
  public int maxLength() {
    return (sequence ? width - 1 : width) / type.slots();
  }

  /**
   * This input in a run's settings digest. A fixed input keeps the text its digest always had
   * ({@code ModelInput[name=dense, width=4, type=FLOAT32]}), so existing outputs are not rescored;
   * a sequence adds its mask and the mask's type.
   */
  public String settingsText() {
    String fixed = "ModelInput[name=" + name + ", width=" + width + ", type=" + type;
    return sequence
        ? fixed + ", sequence, mask=" + mask + ", maskType=" + maskType + "]"
        : fixed + "]";
  }

  /** The model's tensors this input feeds, in order: its own, then its mask if it has one. */
  public List<String> tensorNames() {
    return mask == null ? List.of(name) : List.of(name, mask);
  }

  /**
   * As messages show it: {@code dense float32[4]}, {@code events float32[..64] with mask m int64}.
   */
  public String describe() {
    return sequence
        ? name
            + " "
            + type.label()
            + "[.."
            + maxLength()
            + "]"
            + (mask == null ? "" : " with mask " + mask + " " + maskType.label())
        : name + " " + type.label() + "[" + maxLength() + "]";
  }
}

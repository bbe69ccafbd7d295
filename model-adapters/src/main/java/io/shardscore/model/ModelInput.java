package io.shardscore.model;

import java.io.Serializable;

/**
 * One named input of a model that takes several tensors (or one of another type than float32):
 * {@code width} values per row, in the row's order after the inputs before it, fed as a {@code
 * [batch, width]} tensor of {@code type}.
 */
public record ModelInput(String name, int width, InputType type) implements Serializable {
  public ModelInput {
    if (name == null || name.isBlank()) {
      throw new ModelLoadException("A model input needs a name.");
    }
    if (width < 1) {
      throw new ModelLoadException("Model input '" + name + "' needs at least one column.");
    }
    type = type == null ? InputType.FLOAT32 : type;
  }
}

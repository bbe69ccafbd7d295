package io.shardscore.model.onnx;

/**
 * A fully connected layer {@code y = x W + b}: {@code weights} is row-major {@code [inputs,
 * outputs]}, {@code bias} has {@code outputs} values.
 */
public record DenseLayer(int inputs, int outputs, float[] weights, float[] bias) {
  public DenseLayer {
    if (weights.length != inputs * outputs || bias.length != outputs) {
      throw new IllegalArgumentException(
          "layer "
              + inputs
              + "x"
              + outputs
              + " needs "
              + inputs * outputs
              + " weights and "
              + outputs
              + " biases");
    }
  }
}

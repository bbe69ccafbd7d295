package io.shardscore.model.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multi-layer perceptron classifier: dense layers with ReLU between them and a softmax over the
 * last layer's outputs. Also evaluates itself in plain Java, which tests use as a second opinion.
 */
public record Mlp(List<DenseLayer> layers) {
  public Mlp {
    layers = List.copyOf(layers);
    for (int i = 1; i < layers.size(); i++) {
      if (layers.get(i).inputs() != layers.get(i - 1).outputs()) {
        throw new IllegalArgumentException("layer " + i + " does not fit layer " + (i - 1));
      }
    }
  }

  /**
   * An MLP with He-initialised weights from a fixed seed: the same seed gives the same bytes.
   *
   * @param widths input width, hidden widths..., number of classes
   */
  public static Mlp seeded(long seed, int... widths) {
    SplittableRandom random = new SplittableRandom(seed);
    List<DenseLayer> layers = new ArrayList<>();
    for (int l = 0; l + 1 < widths.length; l++) {
      int in = widths[l];
      int out = widths[l + 1];
      double scale = Math.sqrt(2.0 / in);
      float[] w = new float[in * out];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (gaussian(random) * scale);
      }
      float[] b = new float[out];
      for (int i = 0; i < out; i++) {
        b[i] = (float) (gaussian(random) * 0.1);
      }
      layers.add(new DenseLayer(in, out, w, b));
    }
    return new Mlp(layers);
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * The same network preceded by standardisation {@code (x - mean) / std}, folded into the first
   * layer so the exported graph stays Gemm, Relu, Softmax.
   */
  public Mlp withInputScaling(float[] mean, float[] std) {
    DenseLayer first = layers.get(0);
    if (mean.length != first.inputs() || std.length != first.inputs()) {
      throw new IllegalArgumentException("one mean and std per input");
    }
    float[] w = new float[first.weights().length];
    float[] b = first.bias().clone();
    for (int i = 0; i < first.inputs(); i++) {
      for (int o = 0; o < first.outputs(); o++) {
        float scaled = first.weights()[i * first.outputs() + o] / std[i];
        w[i * first.outputs() + o] = scaled;
        b[o] -= mean[i] * scaled;
      }
    }
    List<DenseLayer> scaled = new ArrayList<>(layers);
    scaled.set(0, new DenseLayer(first.inputs(), first.outputs(), w, b));
    return new Mlp(scaled);
  }

  public int inputs() {
    return layers.get(0).inputs();
  }

  public int classes() {
    return layers.get(layers.size() - 1).outputs();
  }

  /** Class probabilities for one row, computed in double precision. */
  public double[] predict(float[] row) {
    double[] x = new double[row.length];
    for (int i = 0; i < row.length; i++) {
      x[i] = row[i];
    }
    for (int l = 0; l < layers.size(); l++) {
      DenseLayer layer = layers.get(l);
      double[] y = new double[layer.outputs()];
      for (int o = 0; o < layer.outputs(); o++) {
        double s = layer.bias()[o];
        for (int i = 0; i < layer.inputs(); i++) {
          s += x[i] * layer.weights()[i * layer.outputs() + o];
        }
        y[o] = l + 1 < layers.size() ? Math.max(0, s) : s;
      }
      x = y;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.exp(x[i] - max);
      sum += x[i];
    }
    for (int i = 0; i < x.length; i++) {
      x[i] /= sum;
    }
    return x;
  }
}

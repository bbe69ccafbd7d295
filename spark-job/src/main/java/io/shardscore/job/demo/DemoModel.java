package io.shardscore.job.demo;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The demo's churn classifier: a 20-32-16-2 MLP with fixed seeded weights and the features'
 * standardisation folded into its first layer, written as ONNX.
 */
public final class DemoModel {
  private DemoModel() {}

  public static Mlp mlp() {
    float[][] scaling = DemoData.featureScaling();
    return Mlp.seeded(20261123L, DemoData.WIDTH, 32, 16, 2)
        .withInputScaling(scaling[0], scaling[1]);
  }

  public static Path write(Path file) throws IOException {
    OnnxMlpWriter.write(mlp(), file);
    return file;
  }
}

package io.shardscore.model;

import java.util.Arrays;
import java.util.Locale;

/** The DJL engines shardscore can run models on. */
public enum ModelEngine {
  ONNX_RUNTIME("OnnxRuntime");

  private final String djlName;

  ModelEngine(String djlName) {
    this.djlName = djlName;
  }

  /**
   * True when the engine runs ONNX model files, which may keep tensors in external-data files next
   * to the model (part of the model's digest, see {@link ModelDigest}).
   */
  public boolean onnxFormat() {
    return this == ONNX_RUNTIME;
  }

  /** The engine name as DJL spells it in {@code Criteria.optEngine}. */
  public String djlName() {
    return djlName;
  }

  /**
   * The runtime this build runs the engine's models on, with its version, e.g. {@code ONNX Runtime
   * 1.21.1}: what a model must have been exported for.
   */
  public String runtime() {
    String version;
    try {
      version = ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
    } catch (RuntimeException | LinkageError e) {
      // The native library is not loadable here: the jar's own version is the build's.
      version = ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion();
    }
    return "ONNX Runtime " + (version == null ? "(version unknown)" : version);
  }

  /**
   * GPUs this engine can use in this JVM: 0 for a CPU-only build (the default ONNX Runtime jar) or
   * a host without the CUDA driver.
   */
  public int gpuCount() {
    try {
      return ai.djl.engine.Engine.getEngine(djlName).getGpuCount();
    } catch (RuntimeException | LinkageError e) {
      return 0;
    }
  }

  /**
   * Parses an engine name case-insensitively, e.g. {@code OnnxRuntime} or {@code onnx}.
   *
   * @param label the setting the name came from, for the error message (the batch job's is {@code
   *     model.engine})
   * @throws ModelLoadException when this build cannot run that engine
   */
  public static ModelEngine parse(String text, String label) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("onnxruntime") || t.equals("onnx") || t.equals("ort")) {
      return ONNX_RUNTIME;
    }
    throw new ModelLoadException(
        label
            + " is '"
            + text
            + "', which this build cannot run. Use one of: "
            + Arrays.stream(values()).map(ModelEngine::djlName).toList()
            + " (and export the model to ONNX).");
  }
}

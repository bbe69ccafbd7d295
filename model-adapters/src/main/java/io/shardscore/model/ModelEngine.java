package io.shardscore.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;

/**
 * The engines shardscore can run models on: ONNX Runtime and PyTorch (TorchScript) through DJL;
 * LightGBM and XGBoost through their own Java bindings (see {@link LightGbmModel} and {@link
 * XgboostModel} for why not through DJL's engines).
 */
public enum ModelEngine {
  ONNX_RUNTIME("OnnxRuntime"),
  PYTORCH("PyTorch"),
  XGBOOST("XGBoost"),
  LIGHTGBM("LightGBM");

  static {
    // DJL's ONNX Runtime engine starts PyTorch, when its engine is on the class path (as it is in
    // the application jar), as the "alternative" for array operations it lacks, on its first model:
    // a JVM without libtorch (an executor of an ONNX job: pytorch-native-cpu is added only for
    // TorchScript) then fails every ONNX load, and one with it starts libtorch for nothing.
    // shardscore needs no such operation. Set here, before any engine is used; a -D the user set
    // wins.
    if (System.getProperty("ai.djl.onnx.disable_alternative") == null) {
      System.setProperty("ai.djl.onnx.disable_alternative", "true");
    }
  }

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

  /**
   * True when the model is a graph whose output is what the job scores as it is (ONNX,
   * TorchScript): such an engine has no raw-score mode to choose, unlike the tree engines.
   */
  public boolean returnsGraphOutput() {
    return this == ONNX_RUNTIME || this == PYTORCH;
  }

  /** True when DJL runs the engine's models (through {@code Criteria}), not its own binding. */
  public boolean throughDjl() {
    return this == ONNX_RUNTIME || this == PYTORCH;
  }

  /**
   * The engine name as DJL spells it in {@code Criteria.optEngine} (for the tree engines, which
   * shardscore runs without DJL's engines, the name DJL uses); also the name logs and the manifest
   * record.
   */
  public String djlName() {
    return djlName;
  }

  /**
   * The runtime this build runs the engine's models on, with its version, e.g. {@code ONNX Runtime
   * 1.21.1}: what a model must have been written for.
   */
  public String runtime() {
    return switch (this) {
      case ONNX_RUNTIME -> "ONNX Runtime " + orUnknown(onnxRuntimeVersion());
      case PYTORCH -> "PyTorch " + TorchNatives.VERSION;
      case XGBOOST -> "XGBoost " + orUnknown(xgboostVersion());
      case LIGHTGBM -> "LightGBM " + LightGbmNatives.VERSION;
    };
  }

  private static String onnxRuntimeVersion() {
    try {
      return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
    } catch (RuntimeException | LinkageError e) {
      // The native library is not loadable here: the jar's own version is the build's.
      return ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion();
    }
  }

  /** The xgboost4j version DJL's XGBoost engine bundles, from its jar. */
  private static String xgboostVersion() {
    try (InputStream in =
        ModelEngine.class.getClassLoader().getResourceAsStream("xgboost4j-version.properties")) {
      if (in == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      return null;
    }
  }

  private static String orUnknown(String version) {
    return version == null ? "(version unknown)" : version;
  }

  /**
   * GPUs this engine can use in this JVM: 0 for a CPU-only build (the default ONNX Runtime jar, the
   * CPU libtorch of {@code pytorch-native-cpu}), a host without the CUDA driver, or the tree
   * engines (their published natives are CPU-only).
   */
  public int gpuCount() {
    if (!throughDjl()) {
      return 0;
    }
    try {
      return ai.djl.engine.Engine.getEngine(djlName).getGpuCount();
    } catch (RuntimeException | LinkageError e) {
      return 0;
    }
  }

  /**
   * Parses an engine name case-insensitively, e.g. {@code OnnxRuntime}, {@code onnx}, {@code
   * PyTorch}, {@code torchscript}, {@code xgboost} or {@code lightgbm}.
   *
   * @param label the setting the name came from, for the error message (the batch job's is {@code
   *     model.engine})
   * @throws ModelLoadException when this build cannot run that engine
   */
  public static ModelEngine parse(String text, String label) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "onnxruntime", "onnx", "ort" -> {
        return ONNX_RUNTIME;
      }
      case "pytorch", "torch", "torchscript", "pt" -> {
        return PYTORCH;
      }
      case "xgboost", "xgb" -> {
        return XGBOOST;
      }
      case "lightgbm", "lgbm" -> {
        return LIGHTGBM;
      }
      default -> {}
    }
    throw new ModelLoadException(
        label
            + " is '"
            + text
            + "', which this build cannot run. Use one of: "
            + Arrays.stream(values()).map(ModelEngine::djlName).toList()
            + " (or export the model to ONNX).");
  }

  /**
   * The engine {@code engine} names, or when it is null or blank the one the model file's name
   * implies: {@code .txt} LightGBM, {@code .json} or {@code .ubj} XGBoost, {@code .pt} or {@code
   * .torchscript} PyTorch, anything else (such as {@code .onnx}) ONNX Runtime, the engine of every
   * job file written before the other engines.
   *
   * @param engineLabel the setting {@code engine} came from, for messages
   * @throws ModelLoadException when {@code engine} names no engine of this build
   */
  public static ModelEngine resolve(String engine, String engineLabel, String path) {
    if (engine != null && !engine.isBlank()) {
      return parse(engine, engineLabel);
    }
    String name = path == null ? "" : path.toLowerCase(Locale.ROOT);
    if (name.endsWith(".txt")) {
      return LIGHTGBM;
    }
    if (name.endsWith(".json") || name.endsWith(".ubj")) {
      return XGBOOST;
    }
    if (name.endsWith(".pt") || name.endsWith(".torchscript")) {
      return PYTORCH;
    }
    return ONNX_RUNTIME;
  }
}

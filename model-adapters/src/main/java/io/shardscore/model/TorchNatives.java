package io.shardscore.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * DJL's PyTorch engine in this JVM. libtorch has one thread pool per process, set when DJL starts
 * the engine, so the intra-op threads ({@code spark.task.cpus}, as for ONNX Runtime) are fixed by
 * the first PyTorch model this JVM loads; a property the user set ({@code
 * -Dai.djl.pytorch.num_threads}, {@code -Dai.djl.pytorch.num_interop_threads}) wins. The natives
 * come from the {@code pytorch-native-cpu} jar (no download): on the launcher's class path, and
 * under spark-submit through {@code --jars}, as the shaded jar does not carry its 112 MB.
 */
final class TorchNatives {
  /** The libtorch release of {@code pytorch-native-cpu} that this build's DJL JNI is built for. */
  static final String VERSION = "2.7.1";

  private static final Logger LOG = LogManager.getLogger(TorchNatives.class);
  private static final String THREADS = "ai.djl.pytorch.num_threads";
  private static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private static Engine engine;
  private static String threads;

  private TorchNatives() {}

  /**
   * Starts the engine with {@code settings}' intra-op threads if this JVM has not yet.
   *
   * @throws ModelLoadException when libtorch cannot be loaded, naming what to add
   */
  static synchronized Engine start(EngineSettings settings, String location) {
    String wanted = Integer.toString(settings.intraOpThreads());
    if (engine != null) {
      if (!wanted.equals(threads)) {
        LOG.info(
            "PyTorch keeps {} intra-op threads for {} (libtorch's pool is per process; this job"
                + " asks {})",
            threads,
            location,
            wanted);
      }
      return engine;
    }
    if (System.getProperty(THREADS) == null) {
      System.setProperty(THREADS, wanted);
    }
    if (System.getProperty(INTEROP_THREADS) == null) {
      System.setProperty(INTEROP_THREADS, "1");
    }
    try {
      engine = Engine.getEngine(ModelEngine.PYTORCH.djlName());
    } catch (RuntimeException | LinkageError e) {
      throw new ModelLoadException(
          "Model "
              + location
              + " runs on PyTorch, but libtorch "
              + VERSION
              + " cannot be loaded in this JVM ("
              + LoadFailure.reason(e)
              + "). Put ai.djl.pytorch:pytorch-native-cpu:"
              + VERSION
              + ":linux-x86_64 on the class path of driver and executors (under spark-submit:"
              + " --jars pytorch-native-cpu-"
              + VERSION
              + "-linux-x86_64.jar), or set PYTORCH_LIBRARY_PATH to a libtorch "
              + VERSION
              + " folder on every host. Nothing is downloaded at run time.",
          e);
    }
    // Applied here too, not only through the properties DJL reads when the engine starts: the
    // engine may have been started before (ModelEngine.gpuCount, which device selection and the
    // warm-up plugin call before a load), with libtorch's default of one thread per core.
    apply(THREADS, JniUtils::getNumThreads, JniUtils::setNumThreads);
    apply(INTEROP_THREADS, JniUtils::getNumInteropThreads, JniUtils::setNumInteropThreads);
    threads = Integer.toString(JniUtils.getNumThreads());
    LOG.info("Started PyTorch {} with {} intra-op threads", engine.getVersion(), threads);
    return engine;
  }

  /** The intra-op threads libtorch uses, as this class set them; null before it started. */
  static synchronized String intraOpThreads() {
    return threads;
  }

  private static void apply(String property, IntSupplier current, IntConsumer set) {
    Integer wanted = Integer.getInteger(property);
    if (wanted == null || wanted < 1 || current.getAsInt() == wanted) {
      return;
    }
    try {
      set.accept(wanted);
    } catch (RuntimeException e) {
      // libtorch refuses to resize the inter-op pool once it ran work.
      LOG.warn(
          "PyTorch keeps {} threads for {} = {}: {}",
          current.getAsInt(),
          property,
          wanted,
          LoadFailure.reason(e));
    }
  }
}

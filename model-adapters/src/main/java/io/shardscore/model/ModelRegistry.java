package io.shardscore.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The one place a JVM keeps loaded models: one instance per model digest, shared by every task
 * thread, loaded on first use and closed at JVM shutdown. This is the only mutable static state in
 * shardscore, on purpose: a model must outlive the tasks that use it, or every task would reload
 * it.
 */
public final class ModelRegistry {
  private static final Logger LOG = LogManager.getLogger(ModelRegistry.class);
  private static final Map<String, LoadedModel> MODELS = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ModelRegistry::closeAll, "shardscore-model-registry-close"));
  }

  private ModelRegistry() {}

  /**
   * The loaded model for {@code spec}, loading it from {@code source} if this JVM has not yet. The
   * file's digest is verified against the spec, so a file replaced while a job runs is refused
   * rather than silently mixed into the output.
   */
  public static LoadedModel acquire(ModelSpec spec, ModelSource source, EngineSettings settings) {
    return MODELS.computeIfAbsent(spec.digest(), digest -> load(spec, source, settings));
  }

  private static LoadedModel load(ModelSpec spec, ModelSource source, EngineSettings settings) {
    Path file;
    try {
      file = source.localFile();
    } catch (IOException e) {
      throw new ModelLoadException(
          "Cannot fetch model "
              + spec.location()
              + ": "
              + e.getMessage()
              + ". Check that every executor can read this path.",
          e);
    }
    String actual = ModelDigest.of(file);
    if (!actual.equals(spec.digest())) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " changed while the job ran: its digest is now "
              + actual
              + ", the job planned with "
              + spec.digest()
              + ". Publish a new model under a new name instead of overwriting it, then rerun.");
    }
    LoadedModel model = LoadedModel.load(spec, file, settings);
    int loads = LOADS.incrementAndGet();
    LOG.info(
        "Loaded model {} ({}) on {} in {} ms, intra-op threads {} (loads in this JVM: {})",
        spec.location(),
        spec.shortDigest(),
        spec.engine().djlName(),
        model.loadMillis(),
        settings.intraOpThreads(),
        loads);
    return model;
  }

  /** How many times this JVM has loaded a model since it started. */
  public static int loadCount() {
    return LOADS.get();
  }

  /** Digests of the models loaded now. */
  public static List<String> loadedDigests() {
    return new ArrayList<>(MODELS.keySet());
  }

  /** Closes and forgets every loaded model, releasing native engine memory. */
  public static synchronized void closeAll() {
    for (String digest : new ArrayList<>(MODELS.keySet())) {
      LoadedModel model = MODELS.remove(digest);
      if (model != null) {
        try {
          model.close();
        } catch (RuntimeException e) {
          LOG.warn("Closing model {} failed: {}", digest, e.toString());
        }
      }
    }
  }
}

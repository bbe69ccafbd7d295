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
 * The one place a JVM keeps loaded models: one instance per (model digest, actual device), shared
 * by every task thread, loaded on first use and closed at JVM shutdown (or executor shutdown, by
 * the Spark plugin). Loading a different model evicts models no task is using, so a notebook that
 * switches models does not pile up native memory. This is the only mutable static state in
 * shardscore, on purpose: a model must outlive the tasks that use it, or every task would reload
 * it.
 */
public final class ModelRegistry {
  private static final Logger LOG = LogManager.getLogger(ModelRegistry.class);
  private static final Map<String, LoadedModel> MODELS = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  /**
   * A model acquired within this time is never evicted, so that a task between {@code acquire} and
   * opening its session cannot lose its model to another task's eviction.
   */
  private static volatile long evictionGraceNanos =
      java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

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
    return acquire(spec, source, settings, DeviceChoice.cpu());
  }

  /** The same on the device {@code choice} names: one instance per (digest, device). */
  public static LoadedModel acquire(
      ModelSpec spec, ModelSource source, EngineSettings settings, DeviceChoice choice) {
    String key = key(spec.digest(), choice.device());
    LoadedModel model = MODELS.get(key);
    if (model != null) {
      model.touch();
      return model;
    }
    synchronized (ModelRegistry.class) {
      evictIdleExcept(spec.digest());
      model = MODELS.computeIfAbsent(key, k -> load(spec, source, settings, choice));
      model.touch();
      return model;
    }
  }

  private static String key(String digest, String device) {
    return digest + "@" + device;
  }

  /**
   * Closes models of other digests that no task is using, except the most recently used one (a job
   * alternating two models does not reload each time).
   */
  private static void evictIdleExcept(String digest) {
    List<Map.Entry<String, LoadedModel>> idle = new ArrayList<>();
    for (Map.Entry<String, LoadedModel> e : MODELS.entrySet()) {
      LoadedModel m = e.getValue();
      if (!m.spec().digest().equals(digest)
          && !m.inUse()
          && System.nanoTime() - m.lastUsed() >= evictionGraceNanos) {
        idle.add(e);
      }
    }
    idle.sort((a, b) -> Long.compare(b.getValue().lastUsed(), a.getValue().lastUsed()));
    String kept = idle.isEmpty() ? null : idle.get(0).getValue().spec().digest();
    for (Map.Entry<String, LoadedModel> e : idle) {
      LoadedModel m = e.getValue();
      if (!m.spec().digest().equals(kept)) {
        MODELS.remove(e.getKey());
        LOG.info("Evicting idle model {} on {}", m.spec().location(), m.device());
        closeQuietly(e.getKey(), m);
      }
    }
  }

  private static void closeQuietly(String key, LoadedModel model) {
    try {
      model.close();
    } catch (RuntimeException ex) {
      LOG.warn("Closing model {} failed: {}", key, ex.toString());
    }
  }

  private static LoadedModel load(
      ModelSpec spec, ModelSource source, EngineSettings settings, DeviceChoice choice) {
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
    LoadedModel model = LoadedModel.load(spec, file, settings, choice);
    int loads = LOADS.incrementAndGet();
    LOG.info(
        "Loaded model {} ({}) on {} {} in {} ms, intra-op threads {} (loads in this JVM: {})",
        spec.location(),
        spec.shortDigest(),
        spec.engine().djlName(),
        choice.device(),
        model.loadMillis(),
        settings.intraOpThreads(),
        loads);
    return model;
  }

  /** For tests: how long a just-acquired model is safe from eviction. */
  static void evictionGrace(long nanos) {
    evictionGraceNanos = nanos;
  }

  /** How many times this JVM has loaded a model since it started. */
  public static int loadCount() {
    return LOADS.get();
  }

  /** Models loaded now, as {@code digest@device}. */
  public static List<String> loaded() {
    return new ArrayList<>(MODELS.keySet());
  }

  /** Closes and forgets every loaded model, releasing native engine memory. */
  public static synchronized void closeAll() {
    for (String key : new ArrayList<>(MODELS.keySet())) {
      LoadedModel model = MODELS.remove(key);
      if (model != null) {
        closeQuietly(key, model);
      }
    }
  }
}

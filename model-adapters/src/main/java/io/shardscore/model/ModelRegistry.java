package io.shardscore.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The one place a JVM keeps loaded models: one instance per (model digest, actual device), shared
 * by every task thread, loaded on first use and closed at JVM shutdown (or executor shutdown, by
 * the Spark plugin). This is the only mutable static state in shardscore, on purpose: a model must
 * outlive the tasks that use it, or every task would reload it.
 *
 * <p>Every {@link LoadedModel} handle (until released) and every open session holds its model;
 * looking a model up and holding it is one step under one lock, and a model is closed only once
 * nothing holds it. Loading a different model evicts the models nothing holds, except the most
 * recently used of them (a job alternating two models does not reload each time), so a notebook
 * that switches models does not pile up native memory. Loads run outside the lock: tasks on other
 * models are not held up, and callers that want the same (digest, device) wait for the one load.
 */
public final class ModelRegistry {
  private static final Logger LOG = LogManager.getLogger(ModelRegistry.class);

  /** Guards MODELS, the clock, and the holds of every SharedModel and LoadedModel. */
  static final Object LOCK = new Object();

  /** {@code digest@device} to its model: done once loaded, incomplete while a thread loads it. */
  private static final Map<String, CompletableFuture<SharedModel>> MODELS = new HashMap<>();

  private static final AtomicInteger LOADS = new AtomicInteger();

  /** Orders uses, for "most recently used"; guarded by LOCK. */
  private static long clock;

  /**
   * Where models are copied and verified before they load; made on first use, so that a bad cache
   * limit fails that load with its message rather than this class.
   */
  private static volatile ModelCache cache;

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ModelRegistry::closeAll, "shardscore-model-registry-close"));
  }

  private ModelRegistry() {}

  /**
   * A hold on the loaded model for {@code spec}, loading it from {@code source} if this JVM has not
   * yet. The model is loaded from a local copy in the {@link ModelCache} whose digest is verified
   * against the spec, so a file replaced while a job runs is refused rather than silently mixed
   * into the output, and the engine reads exactly the bytes that were verified. The hold ends when
   * the handle, or the first session it opens, is closed (see {@link LoadedModel}).
   */
  public static LoadedModel acquire(ModelSpec spec, ModelSource source, EngineSettings settings) {
    return acquire(spec, source, settings, DeviceChoice.cpu());
  }

  /** The same on the device {@code choice} names: one instance per (digest, device). */
  public static LoadedModel acquire(
      ModelSpec spec, ModelSource source, EngineSettings settings, DeviceChoice choice) {
    return new LoadedModel(spec, source, settings, choice, hold(spec, source, settings, choice));
  }

  /** The model for (spec, device), loaded if need be, with one more hold on it. */
  private static SharedModel hold(
      ModelSpec spec, ModelSource source, EngineSettings settings, DeviceChoice choice) {
    String key = key(spec, choice.device());
    while (true) {
      CompletableFuture<SharedModel> slot;
      List<SharedModel> evicted;
      synchronized (LOCK) {
        slot = MODELS.get(key);
        if (slot != null && slot.isDone()) {
          // A failed load leaves the map before its future completes: a done slot has a model.
          SharedModel model = slot.join();
          // Loaded for another spec of the same file (another job in this JVM): the checks its
          // load made for that spec are made again for this one.
          model.checkFits(spec);
          holdLocked(model);
          return model;
        }
        if (slot == null) {
          slot = new CompletableFuture<>();
          MODELS.put(key, slot);
          evicted = retireIdleExcept(spec.digest());
        } else {
          evicted = null;
        }
      }
      if (evicted == null) {
        awaitLoad(slot); // someone else loads it; then look again (it may be gone by then)
        continue;
      }
      closeQuietly(evicted);
      return loadInto(slot, key, spec, source, settings, choice);
    }
  }

  private static SharedModel loadInto(
      CompletableFuture<SharedModel> slot,
      String key,
      ModelSpec spec,
      ModelSource source,
      EngineSettings settings,
      DeviceChoice choice) {
    SharedModel model;
    try {
      model = load(spec, source, settings, choice);
    } catch (Throwable e) {
      synchronized (LOCK) {
        MODELS.remove(key, slot);
        slot.completeExceptionally(e);
      }
      throw e;
    }
    synchronized (LOCK) {
      if (MODELS.get(key) != slot) {
        // closeAll ran during the load: the caller gets the model, closed once it lets go.
        model.retired = true;
      }
      holdLocked(model);
      slot.complete(model);
    }
    return model;
  }

  /** Waits for another thread's load; its failure is this caller's failure too. */
  private static void awaitLoad(CompletableFuture<SharedModel> slot) {
    try {
      slot.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new ModelLoadException("Loading the model failed: " + cause, cause);
    }
  }

  private static void holdLocked(SharedModel model) {
    model.pins++;
    model.lastUsed = ++clock;
  }

  /**
   * For a new session of {@code handle}: the handle's own hold if it still has one (the session
   * takes it over), else a new hold on the handle's model, loaded again if it was evicted.
   */
  static SharedModel holdForSession(LoadedModel handle) {
    synchronized (LOCK) {
      SharedModel model = handle.current;
      if (handle.holds) {
        handle.holds = false;
        model.lastUsed = ++clock;
        return model;
      }
      if (!model.retired) {
        holdLocked(model);
        return model;
      }
    }
    SharedModel model = hold(handle.spec(), handle.source(), handle.settings(), handle.choice());
    synchronized (LOCK) {
      handle.current = model;
    }
    return model;
  }

  /** The model a handle reaches now, without a new hold (loaded again if it was evicted). */
  static SharedModel current(LoadedModel handle) {
    synchronized (LOCK) {
      if (handle.holds || !handle.current.retired) {
        return handle.current;
      }
    }
    SharedModel model = hold(handle.spec(), handle.source(), handle.settings(), handle.choice());
    synchronized (LOCK) {
      handle.current = model;
    }
    release(model);
    return model;
  }

  /** Ends a handle's own hold, if it still has it. */
  static void releaseHandle(LoadedModel handle) {
    SharedModel model;
    synchronized (LOCK) {
      if (!handle.holds) {
        return;
      }
      handle.holds = false;
      model = handle.current;
    }
    release(model);
  }

  /** Ends one hold on {@code model}; a model the registry has let go of closes with the last. */
  static void release(SharedModel model) {
    synchronized (LOCK) {
      if (model.pins <= 0) {
        throw new IllegalStateException("Model " + model.spec().location() + " released twice");
      }
      model.pins--;
      model.lastUsed = ++clock;
      if (model.pins > 0 || !model.retired || model.closing) {
        return;
      }
      model.closing = true;
    }
    closeQuietly(List.of(model));
  }

  /**
   * {@code digest@device}; a tree model loaded for raw scores is another instance ({@code
   * digest+raw@device}), as its engine fixes the output at load; a file given to another engine
   * than the one that loaded it is another instance too ({@code digest:XGBoost@device}), which that
   * engine loads (or refuses); so is an XGBoost file named {@code .ubj} or not ({@code
   * digest:XGBoost-ubj@device}), as XGBoost reads the format from the name.
   */
  private static String key(ModelSpec spec, String device) {
    return spec.digest()
        + (spec.engine() == ModelEngine.ONNX_RUNTIME ? "" : ":" + spec.engine().djlName())
        + (XgboostModel.readsUbj(spec) ? "-ubj" : "")
        + (spec.output() == OutputType.RAW ? "+raw" : "")
        + textKey(spec.text())
        + inputsKey(spec.inputs())
        + (spec.outputs().isEmpty() ? "" : "+out:" + String.join("/", spec.outputs()))
        + "@"
        + device;
  }

  /** Named inputs are fed by a translator made for them: another layout is another instance. */
  private static String inputsKey(List<ModelInput> inputs) {
    StringBuilder b = new StringBuilder();
    for (ModelInput i : inputs) {
      b.append("+in:").append(i.name()).append('/').append(i.width()).append('/').append(i.type());
      if (i.sequence()) {
        b.append("/seq");
        if (i.mask() != null) {
          b.append("+mask:").append(i.mask()).append('/').append(i.maskType());
        }
      }
    }
    return b.toString();
  }

  /**
   * A text model's tokenizer and translator are made for its length, mask and truncation: another
   * setting of the same files is another loaded model.
   */
  private static String textKey(TextInput text) {
    return text == null
        ? ""
        : "+text"
            + text.maxLength()
            + (text.attentionMask() ? "m" : "")
            + (text.truncate() ? "t" : "")
            + (text.padLongest() ? "l" : "")
            + ":"
            + text.tokenizerFile();
  }

  /**
   * Takes out of the map the loaded models of other digests that nothing holds, except the most
   * recently used of them; the caller closes them, outside the lock.
   */
  private static List<SharedModel> retireIdleExcept(String digest) {
    List<Map.Entry<String, SharedModel>> idle = new ArrayList<>();
    for (Map.Entry<String, CompletableFuture<SharedModel>> e : MODELS.entrySet()) {
      if (!e.getValue().isDone()) {
        continue;
      }
      SharedModel m = e.getValue().join();
      if (!m.spec().digest().equals(digest) && m.pins == 0 && !m.busy()) {
        idle.add(Map.entry(e.getKey(), m));
      }
    }
    idle.sort(
        Comparator.comparingLong((Map.Entry<String, SharedModel> e) -> e.getValue().lastUsed));
    List<SharedModel> evicted = new ArrayList<>();
    for (Map.Entry<String, SharedModel> e : idle.subList(0, Math.max(0, idle.size() - 1))) {
      SharedModel m = e.getValue();
      MODELS.remove(e.getKey());
      m.retired = true;
      m.closing = true;
      LOG.info("Evicting idle model {} on {}", m.spec().location(), m.device());
      evicted.add(m);
    }
    return evicted;
  }

  private static void closeQuietly(List<SharedModel> models) {
    for (SharedModel model : models) {
      try {
        model.close();
      } catch (RuntimeException ex) {
        LOG.warn(
            "Closing model {} on {} failed: {}",
            model.spec().location(),
            model.device(),
            ex.toString());
      }
    }
  }

  private static SharedModel load(
      ModelSpec spec, ModelSource source, EngineSettings settings, DeviceChoice choice) {
    Path file;
    try {
      file = cache().localCopy(spec, source.files());
    } catch (IOException e) {
      throw new ModelLoadException(
          "Cannot fetch model "
              + spec.location()
              + ": "
              + e.getMessage()
              + ". Check that every executor can read this path.",
          e);
    }
    SharedModel model;
    try {
      model = SharedModel.load(spec, file, settings, choice);
    } catch (ModelLoadException e) {
      if (java.nio.file.Files.exists(file)) {
        throw e;
      }
      // Another JVM of the host evicted the verified copy between its check and the engine's
      // read: copy it again and load once more.
      LOG.info("The cached copy of {} went away while loading; copying it again", spec.location());
      try {
        file = cache().localCopy(spec, source.files());
      } catch (IOException again) {
        throw new ModelLoadException(
            "Cannot fetch model "
                + spec.location()
                + ": "
                + again.getMessage()
                + ". Check that every executor can read this path.",
            again);
      }
      model = SharedModel.load(spec, file, settings, choice);
    }
    int loads = LOADS.incrementAndGet();
    ModelEvents.current().modelLoaded(model.loadMillis());
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

  private static synchronized ModelCache cache() {
    if (cache == null) {
      cache = ModelCache.shared();
    }
    return cache;
  }

  /** For tests: copy models into {@code other} from now on; returns the cache used so far. */
  static synchronized ModelCache useCache(ModelCache other) {
    ModelCache before = cache();
    cache = other;
    return before;
  }

  /** How many times this JVM has loaded a model since it started. */
  public static int loadCount() {
    return LOADS.get();
  }

  /** Models loaded now, as {@code digest@device}. */
  public static List<String> loaded() {
    synchronized (LOCK) {
      List<String> keys = new ArrayList<>();
      for (Map.Entry<String, CompletableFuture<SharedModel>> e : MODELS.entrySet()) {
        if (e.getValue().isDone()) {
          keys.add(e.getKey());
        }
      }
      return keys;
    }
  }

  /**
   * Holds now on the loaded instances of the model with {@code digest} (open handles and sessions),
   * for diagnostics and tests: 0 once every user has let go.
   */
  public static int holds(String digest) {
    synchronized (LOCK) {
      int n = 0;
      for (Map.Entry<String, CompletableFuture<SharedModel>> e : MODELS.entrySet()) {
        if (e.getKey().startsWith(digest) && e.getValue().isDone()) {
          n += e.getValue().join().pins;
        }
      }
      return n;
    }
  }

  /**
   * Forgets every loaded model and releases its native engine memory: at once for models nothing
   * holds, as the last hold ends for the others (so a task still scoring is not cut off).
   */
  public static void closeAll() {
    List<SharedModel> now = new ArrayList<>();
    synchronized (LOCK) {
      for (CompletableFuture<SharedModel> slot : MODELS.values()) {
        if (!slot.isDone()) {
          continue; // its loader finds the slot gone and lets the model close after use
        }
        SharedModel m = slot.join();
        m.retired = true;
        if (m.pins == 0 && !m.closing) {
          m.closing = true;
          now.add(m);
        }
      }
      MODELS.clear();
    }
    closeQuietly(now);
  }
}

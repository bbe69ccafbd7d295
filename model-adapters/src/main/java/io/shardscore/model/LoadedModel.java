package io.shardscore.model;

import java.util.function.BooleanSupplier;

/**
 * A task's hold on a model loaded by {@link ModelRegistry}: the engine's model itself is shared by
 * every task thread of the JVM (one per digest and device); this handle is the caller's own.
 *
 * <p>The registry closes a model only when nothing holds it. A handle holds its model from {@link
 * ModelRegistry#acquire} until {@link #close()}, or until the first session it opens closes (that
 * session takes the hold over), whichever comes first; every open session holds the model too. So
 * {@code acquire(...).newSession()} in a try-with-resources is safe and releases everything when
 * the session closes. A handle kept after that (say, for more sessions later) is safe as well: if
 * its model has been evicted in between, its next session loads it again. Thread-safe.
 */
public final class LoadedModel implements AutoCloseable {
  private final ModelSpec spec;
  private final ModelSource source;
  private final EngineSettings settings;
  private final DeviceChoice choice;

  // Guarded by ModelRegistry.LOCK (current is also read without it, for loadMillis).
  volatile SharedModel current;
  boolean holds;

  LoadedModel(
      ModelSpec spec,
      ModelSource source,
      EngineSettings settings,
      DeviceChoice choice,
      SharedModel held) {
    this.spec = spec;
    this.source = source;
    this.settings = settings;
    this.choice = choice;
    this.current = held;
    this.holds = true;
  }

  /** A new per-task session, holding the model while open; cheap, never reloads a held model. */
  public ScoringSession newSession() {
    SharedModel model = ModelRegistry.holdForSession(this);
    try {
      return new ScoringSession(model.newPredictor(), model);
    } catch (RuntimeException | Error e) {
      ModelRegistry.release(model);
      throw e;
    }
  }

  /**
   * A task's place in this model's batching queue, holding the model while open: its batches are
   * coalesced with other tasks' batches on the same device.
   *
   * @param cancelled polled while a batch waits (a cancelled Spark task withdraws its batch)
   */
  public BatchModel queueSession(BatchingSettings settings, BooleanSupplier cancelled) {
    SharedModel model = ModelRegistry.holdForSession(this);
    try {
      return model.queueSession(settings, cancelled, () -> ModelRegistry.release(model));
    } catch (RuntimeException | Error e) {
      ModelRegistry.release(model);
      throw e;
    }
  }

  /**
   * The batching queue of this model on its device, shared by every task thread of the JVM. A job
   * with other queue settings gets a new queue once no task uses the old one; while one does, the
   * running queue keeps its settings (logged). Calling the queue directly holds nothing: score
   * through {@link #queueSession} unless this handle still holds the model.
   */
  public DeviceBatcher batcher(BatchingSettings settings) {
    return ModelRegistry.current(this).batcher(settings);
  }

  /** Releases this handle's hold on the model, if it still has it; idempotent. */
  @Override
  public void close() {
    ModelRegistry.releaseHandle(this);
  }

  /** The device the model runs on, in DJL's notation: {@code cpu()} or {@code gpu(N)}. */
  public String device() {
    return choice.device();
  }

  public ModelSpec spec() {
    return spec;
  }

  /**
   * The tokenizer of a text model (valid while this handle or a session holds the model); null for
   * a model of numeric features.
   */
  public TextEncoder textEncoder() {
    return ModelRegistry.current(this).textEncoder();
  }

  /**
   * The class names of the spec's labels file (read from the verified copy), in output order; empty
   * without one.
   */
  public java.util.List<String> labels() {
    return ModelRegistry.current(this).labels();
  }

  /** How long the engine took to load the model this handle last reached. */
  public long loadMillis() {
    return current.loadMillis();
  }

  ModelSource source() {
    return source;
  }

  EngineSettings settings() {
    return settings;
  }

  DeviceChoice choice() {
    return choice;
  }
}

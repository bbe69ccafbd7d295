package io.shardscore.model;

/**
 * What the model layer tells whoever watches this JVM (the Spark plugin's metrics): model loads,
 * coalesced calls of the batching queues and out-of-memory halvings. Called once per load, per
 * model call or per halving, never per row. Nobody listens unless {@link #listen} was called:
 * library use without the plugin pays one volatile read per event.
 */
public final class ModelEvents {
  /** The events; implementations must be cheap and must not throw. */
  public interface Listener {
    /** A model finished loading in this JVM. */
    void modelLoaded(long millis);

    /** A batching queue ran the model once on {@code rows} rows coalesced from {@code batches}. */
    void coalesced(int batches, int rows);

    /** A batch of {@code rows} rows was split in halves after the engine ran out of memory. */
    void halved(int rows);
  }

  private static final Listener NONE =
      new Listener() {
        @Override
        public void modelLoaded(long millis) {}

        @Override
        public void coalesced(int batches, int rows) {}

        @Override
        public void halved(int rows) {}
      };

  private static volatile Listener listener = NONE;

  private ModelEvents() {}

  /** Sends this JVM's events to {@code l} from now on; {@code null} stops listening. */
  public static void listen(Listener l) {
    listener = l == null ? NONE : l;
  }

  static Listener current() {
    return listener;
  }
}

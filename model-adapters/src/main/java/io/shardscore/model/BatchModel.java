package io.shardscore.model;

/**
 * What a task scores through: its own session on the shared model, or its place in the model's
 * per-device batching queue. Not thread-safe; one per task; closed when the task ends.
 */
public interface BatchModel extends AutoCloseable {
  /** The model's output for {@code batch}, one row per input row, in order. */
  ModelOutput predict(FeatureBatch batch);

  /**
   * The tokenizer that lays out a text model's rows (see {@link TextInput}), valid while this is
   * open; null for a model of numeric features.
   */
  TextEncoder textEncoder();

  @Override
  void close();
}

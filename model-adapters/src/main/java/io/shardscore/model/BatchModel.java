package io.shardscore.model;

/**
 * What a task scores through: its own session on the shared model, or its place in the model's
 * per-device batching queue. Not thread-safe; one per task; closed when the task ends.
 */
public interface BatchModel extends AutoCloseable {
  /** The model's output for {@code batch}, one row per input row, in order. */
  ModelOutput predict(FeatureBatch batch);

  @Override
  void close();
}

package io.shardscore.job.config;

/** {@code scoring.batching}: who calls the model with a task's batches. */
public enum Batching {
  /** Each task calls the shared model with its own batches (the default). */
  PER_TASK,
  /** One queue per model and device coalesces the batches of all tasks of the executor. */
  QUEUE;

  public String configName() {
    return Choices.configName(this);
  }
}

package io.shardscore.model;

/**
 * How the per-device batching queue coalesces the batches of concurrent tasks.
 *
 * @param maxRows the most rows one model call takes (tasks' batches are never split across calls
 *     unless memory runs out)
 * @param maxWaitMicros how long the queue waits for more batches once it holds one
 */
public record BatchingSettings(int maxRows, long maxWaitMicros) implements java.io.Serializable {
  public BatchingSettings {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1: " + maxRows);
    }
    if (maxWaitMicros < 0) {
      throw new IllegalArgumentException("maxWaitMicros must be >= 0: " + maxWaitMicros);
    }
  }
}

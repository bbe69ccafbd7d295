package io.shardscore.serving;

import io.shardscore.model.DeviceBatcher;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.ModelOutput;

/**
 * Who runs the model on one request's scorable rows: the model's per-device batching queue, which
 * coalesces the rows of concurrent requests into one model call ({@link #queue}), or a pool of
 * sessions, one model call per request ({@link SessionPool}). Thread-safe.
 */
public interface RowScorer extends AutoCloseable {
  /** The model's output for {@code batch}, one row per input row, in order. */
  ModelOutput score(FeatureBatch batch);

  /** Records model calls and their sizes where this scorer makes them itself. */
  default void observe(ServingMetrics metrics) {}

  @Override
  default void close() {}

  /** Through the batching queue: a failing coalesced call is retried batch by batch there. */
  static RowScorer queue(DeviceBatcher batcher) {
    return batch -> batcher.predict(batch, () -> false);
  }

  /** {@code scorer}, running {@code release} (say, ending a hold on the model) after its close. */
  static RowScorer releasing(RowScorer scorer, Runnable release) {
    return new RowScorer() {
      @Override
      public ModelOutput score(FeatureBatch batch) {
        return scorer.score(batch);
      }

      @Override
      public void observe(ServingMetrics metrics) {
        scorer.observe(metrics);
      }

      @Override
      public void close() {
        try {
          scorer.close();
        } finally {
          release.run();
        }
      }
    };
  }
}

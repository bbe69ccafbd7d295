package io.shardscore.serving;

import io.shardscore.model.FeatureBatch;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelOutput;
import io.shardscore.model.ScoringSession;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One model call per request, without the queue (the baseline the queue is measured against):
 * {@code size} sessions opened at start and held until close, so concurrent requests call the model
 * in parallel and the registry never closes the model under them.
 */
public final class SessionPool implements RowScorer {
  private final BlockingQueue<ScoringSession> free;
  private volatile ServingMetrics metrics;

  public SessionPool(LoadedModel model, int size) {
    free = new ArrayBlockingQueue<>(size);
    try {
      for (int i = 0; i < size; i++) {
        free.add(model.newSession());
      }
    } catch (RuntimeException | Error e) {
      close(); // the sessions opened so far would hold the model for good
      throw e;
    }
  }

  @Override
  public ModelOutput score(FeatureBatch batch) {
    ScoringSession session;
    try {
      session = free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a model session", e);
    }
    try {
      ModelOutput out = session.predict(batch);
      ServingMetrics m = metrics;
      if (m != null) {
        m.modelCall(batch.rows());
      }
      return out;
    } finally {
      free.add(session);
    }
  }

  @Override
  public void observe(ServingMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void close() {
    ScoringSession s;
    while ((s = free.poll()) != null) {
      s.close();
    }
  }
}

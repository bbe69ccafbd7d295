package io.shardscore.serving;

import io.shardscore.model.FeatureBatch;
import io.shardscore.model.ModelOutput;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/**
 * The real model behind a gate, for tests that need requests to be in flight at a known moment:
 * once {@link #shut()} armed it, each call announces itself and waits for {@link #open()}.
 */
final class GatedScorer implements RowScorer {
  private final RowScorer model;
  private final Semaphore entered = new Semaphore(0);
  private volatile CountDownLatch gate;

  GatedScorer(RowScorer model) {
    this.model = model;
  }

  /** From now on, calls wait until {@link #open()}. */
  void shut() {
    gate = new CountDownLatch(1);
  }

  void open() {
    gate.countDown();
  }

  /** Waits until {@code calls} calls are held at the gate. */
  void awaitHeld(int calls) throws InterruptedException {
    entered.acquire(calls);
  }

  @Override
  public ModelOutput score(FeatureBatch batch) {
    CountDownLatch g = gate;
    if (g != null) {
      entered.release();
      try {
        g.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return model.score(batch);
  }

  @Override
  public void close() {
    model.close();
  }
}

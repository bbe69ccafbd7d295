package io.shardscore.model;

/**
 * One task's handle on a shared loaded model: cheap to open, not thread-safe, closed when the task
 * ends. Opening a session never loads the model; while it is open the model is held, so the
 * registry never closes it under the task. A batch that makes the engine run out of memory is
 * retried in smaller pieces ({@link OomBackoff}).
 */
public final class ScoringSession implements BatchModel {
  private final EnginePredictor predictor;
  private final SharedModel model;
  private final ModelSpec spec;
  private boolean closed;

  /** Takes over one pin on {@code model}, released by {@link #close()}. */
  ScoringSession(EnginePredictor predictor, SharedModel model) {
    this.predictor = predictor;
    this.model = model;
    this.spec = model.spec();
  }

  /** Runs the model on a batch (in pieces if memory runs out); one output row per input row. */
  @Override
  public ModelOutput predict(FeatureBatch batch) {
    return OomBackoff.predict(batch, this::predictOnce, spec.location() + " on " + model.device());
  }

  @Override
  public TextEncoder textEncoder() {
    return model.textEncoder();
  }

  private ModelOutput predictOnce(FeatureBatch batch) {
    return model.predictOnce(predictor, batch);
  }

  /** For tests: whether the engine's model under this session has been closed. */
  boolean modelClosed() {
    return model.isClosed();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        predictor.close();
      } finally {
        ModelRegistry.release(model);
      }
    }
  }
}

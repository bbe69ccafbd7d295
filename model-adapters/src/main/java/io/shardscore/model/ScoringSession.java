package io.shardscore.model;

import ai.djl.inference.Predictor;

/**
 * One task's handle on a shared {@link LoadedModel}: cheap to open, not thread-safe, closed when
 * the task ends. Opening a session never loads the model. A batch that makes the engine run out of
 * memory is retried in smaller pieces ({@link OomBackoff}).
 */
public final class ScoringSession implements BatchModel {
  private final Predictor<FeatureBatch, ModelOutput> predictor;
  private final LoadedModel model;
  private final ModelSpec spec;
  private boolean closed;

  ScoringSession(Predictor<FeatureBatch, ModelOutput> predictor, LoadedModel model) {
    this.predictor = predictor;
    this.model = model;
    this.spec = model.spec();
  }

  /** Runs the model on a batch (in pieces if memory runs out); one output row per input row. */
  @Override
  public ModelOutput predict(FeatureBatch batch) {
    return OomBackoff.predict(batch, this::predictOnce, spec.location() + " on " + model.device());
  }

  private ModelOutput predictOnce(FeatureBatch batch) {
    return model.predictOnce(predictor, batch);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      predictor.close();
      model.sessionClosed();
    }
  }
}

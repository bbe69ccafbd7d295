package io.shardscore.model;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;

/**
 * One task's handle on a shared {@link LoadedModel}: cheap to open, not thread-safe, closed when
 * the task ends. Opening a session never loads the model.
 */
public final class ScoringSession implements AutoCloseable {
  private final Predictor<FeatureBatch, ModelOutput> predictor;
  private final ModelSpec spec;

  ScoringSession(Predictor<FeatureBatch, ModelOutput> predictor, ModelSpec spec) {
    this.predictor = predictor;
    this.spec = spec;
  }

  /** Runs the model once on a batch; the output has one row per input row. */
  public ModelOutput predict(FeatureBatch batch) {
    try {
      ModelOutput out = predictor.predict(batch);
      if (out.rows() != batch.rows()) {
        throw new ModelLoadException(
            "Model "
                + spec.location()
                + " returned "
                + out.rows()
                + " rows for a batch of "
                + batch.rows()
                + "; its first output must have the batch as first dimension.");
      }
      return out;
    } catch (TranslateException e) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " failed on a batch of "
              + batch.rows()
              + " rows of "
              + batch.features()
              + " features: "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public void close() {
    predictor.close();
  }
}

package io.shardscore.model;

import ai.djl.translate.TranslateException;

/** One caller's predictor on an {@link EngineModel}; not thread-safe. */
interface EnginePredictor extends AutoCloseable {
  /**
   * The engine's output for {@code batch}.
   *
   * @throws TranslateException when the engine fails on the batch (DJL's type for it, used by every
   *     engine so that {@link SharedModel} explains all of them alike)
   */
  ModelOutput predict(FeatureBatch batch) throws TranslateException;

  @Override
  void close();
}

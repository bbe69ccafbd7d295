package io.shardscore.model;

import java.util.OptionalLong;

/**
 * A model loaded into its engine, as {@link SharedModel} calls it: through DJL ({@link DjlModel},
 * ONNX) or through an engine's own binding ({@link LightGbmModel}, {@link XgboostModel}).
 * Thread-safe; its predictors are not.
 */
interface EngineModel extends AutoCloseable {
  /** A new predictor on the loaded model; cheap, never reloads it. */
  EnginePredictor newPredictor();

  /** The features per row the model expects, when the engine tells; empty otherwise. */
  OptionalLong featureCount();

  /** Releases the engine's memory for the model. */
  @Override
  void close();
}

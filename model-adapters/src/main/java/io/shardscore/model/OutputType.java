package io.shardscore.model;

/**
 * What a gradient-boosted tree model returns per row: the probability (its objective's transform of
 * the raw score) or the raw score itself (XGBoost's margin, LightGBM's raw score, before the
 * sigmoid or softmax). An ONNX model returns what its graph computes, so only {@link #PROBABILITY}
 * (meaning "as the model computes it") applies to it. The batch job reads it from {@code
 * model.output-type}.
 */
public enum OutputType {
  PROBABILITY,
  RAW
}

package io.shardscore.model;

import java.util.Locale;

/**
 * What a gradient-boosted tree model returns per row: the probability (its objective's transform of
 * the raw score) or the raw score itself (XGBoost's margin, LightGBM's raw score, before the
 * sigmoid or softmax). An ONNX model returns what its graph computes, so only {@link #PROBABILITY}
 * (meaning "as the model computes it") applies to it.
 */
public enum OutputType {
  PROBABILITY,
  RAW;

  /**
   * Parses {@code probability} or {@code raw}, case-insensitively.
   *
   * @param label the setting the value came from, for the error message
   */
  public static OutputType parse(String text, String label) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "probability" -> PROBABILITY;
      case "raw" -> RAW;
      default ->
          throw new ModelLoadException(
              label
                  + " is '"
                  + text
                  + "'; use probability (the model's transformed output) or raw (the tree"
                  + " ensemble's raw score or margin, LightGBM and XGBoost only).");
    };
  }

  /** The lower-case name the config uses. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

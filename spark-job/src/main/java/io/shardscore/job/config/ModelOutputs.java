package io.shardscore.job.config;

import java.io.Serializable;

/**
 * {@code model.outputs:} which prediction columns to write from the model's first output (a {@code
 * [batch, k]} tensor, e.g. class probabilities). A column whose name is {@code null} in YAML is
 * still written with its default name; set {@code ""} to leave it out.
 *
 * @param probabilities column for the whole output row as {@code array<float>}
 * @param score column for one output value as {@code float}
 * @param scoreIndex which value {@code score} takes; defaults to the last one (the positive class
 *     of a binary classifier)
 * @param label column for the index of the largest value as {@code int}
 */
public record ModelOutputs(String probabilities, String score, Integer scoreIndex, String label)
    implements Serializable {
  public ModelOutputs {
    probabilities = Settings.PROBABILITIES.orDefault(probabilities);
    score = Settings.SCORE.orDefault(score);
    label = Settings.LABEL.orDefault(label);
  }

  public static ModelOutputs defaults() {
    return new ModelOutputs(null, null, null, null);
  }
}

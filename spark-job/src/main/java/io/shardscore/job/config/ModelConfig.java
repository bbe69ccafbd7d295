package io.shardscore.job.config;

import java.io.Serializable;
import java.util.List;

/**
 * {@code model:} the model to score with and how rows feed it. Defaults and allowed values of each
 * component are declared in {@link Settings}.
 *
 * @param path the model file (a path or Hadoop URI every executor can read)
 * @param engine the DJL engine
 * @param features input columns in tensor order; {@code name[n]} for fixed-length arrays
 * @param outputs prediction columns to write
 */
public record ModelConfig(String path, String engine, List<String> features, ModelOutputs outputs)
    implements Serializable {
  public ModelConfig {
    engine = Settings.MODEL_ENGINE.orDefault(engine);
    features = features == null ? List.of() : List.copyOf(features);
    outputs = outputs == null ? ModelOutputs.defaults() : outputs;
  }

  public List<FeatureColumn> featureColumns() {
    return features.stream().map(FeatureColumn::parse).toList();
  }

  /** Width of one row's input tensor: scalars count 1, arrays their length. */
  public int featureWidth() {
    return featureColumns().stream().mapToInt(FeatureColumn::length).sum();
  }
}

package io.shardscore.job.config;

import io.shardscore.model.ModelEngine;
import io.shardscore.model.OutputType;
import java.io.Serializable;
import java.util.List;

/**
 * {@code model:} the model to score with and how rows feed it. Defaults and allowed values of each
 * component are declared in {@link Settings}.
 *
 * @param path the model file (a path or Hadoop URI every executor can read)
 * @param engine the engine; null to infer it from the file name (see {@link #modelEngine()})
 * @param features input columns in tensor order; {@code name[n]} for fixed-length arrays
 * @param outputs prediction columns to write
 * @param outputType probabilities or raw scores (tree models)
 */
public record ModelConfig(
    String path, String engine, List<String> features, ModelOutputs outputs, String outputType)
    implements Serializable {
  public ModelConfig {
    features = features == null ? List.of() : List.copyOf(features);
    outputs = outputs == null ? ModelOutputs.defaults() : outputs;
    outputType = Settings.MODEL_OUTPUT_TYPE.orDefault(outputType);
  }

  /** The same model with other prediction columns. */
  public ModelConfig withOutputs(ModelOutputs other) {
    return new ModelConfig(path, engine, features, other, outputType);
  }

  /** The engine {@code model.engine} names, or else the one the file name implies. */
  public ModelEngine modelEngine() {
    return ModelEngine.resolve(engine, Settings.MODEL_ENGINE.key(), path);
  }

  /** Probabilities or raw scores; throws a {@link JobConfigException} for another value. */
  public OutputType modelOutputType() {
    return Choices.parse(Settings.MODEL_OUTPUT_TYPE, outputType, OutputType.class);
  }

  public List<FeatureColumn> featureColumns() {
    return features.stream().map(FeatureColumn::parse).toList();
  }

  /** Width of one row's input tensor: scalars count 1, arrays their length. */
  public int featureWidth() {
    return featureColumns().stream().mapToInt(FeatureColumn::length).sum();
  }
}

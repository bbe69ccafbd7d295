package io.shardscore.job.config;

import io.shardscore.model.ModelEngine;
import io.shardscore.model.OutputType;
import io.shardscore.model.TextInput;
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
 * @param text a text model's input instead of features; null for a model of numeric features
 * @param labels the class names file beside the model; null for none
 */
public record ModelConfig(
    String path,
    String engine,
    List<String> features,
    ModelOutputs outputs,
    String outputType,
    TextConfig text,
    String labels)
    implements Serializable {
  public ModelConfig {
    features = features == null ? List.of() : List.copyOf(features);
    outputs = outputs == null ? ModelOutputs.defaults() : outputs;
    outputType = Settings.MODEL_OUTPUT_TYPE.orDefault(outputType);
  }

  /** A model of numeric features. */
  public ModelConfig(
      String path, String engine, List<String> features, ModelOutputs outputs, String outputType) {
    this(path, engine, features, outputs, outputType, null, null);
  }

  /** The same model with other prediction columns. */
  public ModelConfig withOutputs(ModelOutputs other) {
    return new ModelConfig(path, engine, features, other, outputType, text, labels);
  }

  /** The same model reading text as {@code other} says, instead of features. */
  public ModelConfig withText(TextConfig other) {
    return new ModelConfig(path, engine, List.of(), outputs, outputType, other, labels);
  }

  /** The labels file, or null when {@code model.labels} is not set. */
  public String labelsFile() {
    return labels == null || labels.isBlank() ? null : labels;
  }

  /** True for a text model: {@code model.text.column} is set. */
  public boolean isText() {
    return text != null && text.column() != null && !text.column().isBlank();
  }

  /** How a text model takes its text; null for a model of numeric features. */
  public TextInput textInput() {
    return isText() ? text.input() : null;
  }

  /** The input columns the model reads: the features' columns, or a text model's column. */
  public List<String> inputColumns() {
    return isText()
        ? List.of(text.column())
        : featureColumns().stream().map(FeatureColumn::column).toList();
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

  /**
   * Values one row feeds the model: scalars count 1, arrays their length; a text model's ids (and
   * mask).
   */
  public int featureWidth() {
    if (isText()) {
      return text.input().width();
    }
    return featureColumns().stream().mapToInt(FeatureColumn::length).sum();
  }
}

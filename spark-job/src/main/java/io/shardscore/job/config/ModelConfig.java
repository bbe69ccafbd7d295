package io.shardscore.job.config;

import io.shardscore.model.InputType;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelInput;
import io.shardscore.model.OutputType;
import io.shardscore.model.TextInput;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * @param inputs a model of named inputs: each input's columns, in the model's order; empty for one
 *     input of {@code features}
 * @param inputTypes element type per named input ({@code float32} by default), and per mask input
 *     ({@code int64} by default)
 * @param masks per sequence input (an input of one {@code column[..n]}), the name of the model's
 *     mask input fed after it; empty when no sequence input takes a mask
 */
public record ModelConfig(
    String path,
    String engine,
    List<String> features,
    ModelOutputs outputs,
    String outputType,
    TextConfig text,
    String labels,
    Map<String, List<String>> inputs,
    Map<String, String> inputTypes,
    Map<String, String> masks)
    implements Serializable {
  public ModelConfig {
    features = features == null ? List.of() : List.copyOf(features);
    // Insertion order is the model's input order.
    inputs =
        inputs == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    // Not Map.copyOf: an empty value (`events:` in YAML) is kept as null for the validator to
    // name, where Map.copyOf threw a NullPointerException out of the reader.
    inputTypes = copyKeepingNulls(inputTypes);
    masks = copyKeepingNulls(masks);
    outputs = outputs == null ? ModelOutputs.defaults() : outputs;
    outputType = Settings.MODEL_OUTPUT_TYPE.orDefault(outputType);
  }

  private static Map<String, String> copyKeepingNulls(Map<String, String> map) {
    return map == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /** A model of numeric features. */
  public ModelConfig(
      String path, String engine, List<String> features, ModelOutputs outputs, String outputType) {
    this(path, engine, features, outputs, outputType, null, null, null, null, null);
  }

  /** The same model with other prediction columns. */
  public ModelConfig withOutputs(ModelOutputs other) {
    return new ModelConfig(
        path, engine, features, other, outputType, text, labels, inputs, inputTypes, masks);
  }

  /** The same model reading text as {@code other} says, instead of features. */
  public ModelConfig withText(TextConfig other) {
    return new ModelConfig(
        path, engine, List.of(), outputs, outputType, other, labels, Map.of(), Map.of(), Map.of());
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

  /**
   * The input columns the model reads: a text model's column first, then the features' columns (a
   * text model's are those of its named inputs, if any).
   */
  public List<String> inputColumns() {
    List<String> out = new ArrayList<>();
    if (isText()) {
      out.add(text.column());
    }
    featureColumns().forEach(f -> out.add(f.column()));
    return out;
  }

  /** The engine {@code model.engine} names, or else the one the file name implies. */
  public ModelEngine modelEngine() {
    return ModelEngine.resolve(engine, Settings.MODEL_ENGINE.key(), path);
  }

  /** Probabilities or raw scores; throws a {@link JobConfigException} for another value. */
  public OutputType modelOutputType() {
    return Choices.parse(Settings.MODEL_OUTPUT_TYPE, outputType, OutputType.class);
  }

  /** The feature columns in the row's order: {@code model.features}, or every input's in turn. */
  public List<FeatureColumn> featureColumns() {
    List<String> all = features;
    if (!inputs.isEmpty()) {
      all = inputs.values().stream().flatMap(List::stream).toList();
    }
    return all.stream().map(FeatureColumn::parse).toList();
  }

  /**
   * The named inputs as the model's spec takes them; empty for one float32 input. An input of one
   * {@code column[..n]} is a sequence input, with its mask from {@code model.masks}.
   */
  public List<ModelInput> modelInputs() {
    List<ModelInput> out = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
      List<FeatureColumn> columns = e.getValue().stream().map(FeatureColumn::parse).toList();
      InputType type = inputType(e.getKey(), InputType.FLOAT32);
      if (columns.size() == 1 && columns.get(0).variable()) {
        String mask = masks.get(e.getKey());
        out.add(
            ModelInput.sequence(
                e.getKey(),
                columns.get(0).length(),
                type,
                mask,
                mask == null ? null : inputType(mask, InputType.INT64)));
      } else {
        out.add(
            ModelInput.of(e.getKey(), columns.stream().mapToInt(FeatureColumn::width).sum(), type));
      }
    }
    return out;
  }

  /** The element type {@code model.input-types} gives input {@code name}, else {@code fallback}. */
  private InputType inputType(String name, InputType fallback) {
    String type = inputTypes.get(name);
    return type == null ? fallback : InputType.parse(type, Settings.INPUT_TYPES.key() + "." + name);
  }

  /** The type of each feature column, in {@link #featureColumns()} order: its input's type. */
  public List<InputType> featureTypes() {
    List<InputType> out = new ArrayList<>();
    if (inputs.isEmpty()) {
      features.forEach(f -> out.add(InputType.FLOAT32));
      return out;
    }
    List<ModelInput> typed = modelInputs();
    int i = 0;
    for (List<String> columns : inputs.values()) {
      for (int c = 0; c < columns.size(); c++) {
        out.add(typed.get(i).type());
      }
      i++;
    }
    return out;
  }

  /**
   * Floats one row takes in a batch: scalars count 1, arrays their length (a float64 input's values
   * 3 each, a sequence 1 more for its length); a text model's ids (and mask).
   */
  public int featureWidth() {
    int textWidth = isText() ? text.input().width() : 0;
    if (!inputs.isEmpty()) {
      return textWidth + modelInputs().stream().mapToInt(ModelInput::width).sum();
    }
    if (isText()) {
      return textWidth;
    }
    return featureColumns().stream().mapToInt(FeatureColumn::width).sum();
  }
}

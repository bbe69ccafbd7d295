package io.shardscore.model;

import java.io.Serializable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable description of a model to score with: where its file is, which engine runs it, the
 * digest that identifies it, how many features one row feeds it and what it returns. Loading is
 * separate (see {@link ModelRegistry}).
 *
 * @param location the model file as the user gave it (a path or a Hadoop file system URI)
 * @param engine the engine that runs it
 * @param digest SHA-256 of the file's bytes, see {@link ModelDigest}
 * @param featureCount width of the {@code [batch, n]} float input tensor
 * @param output probabilities or raw scores (tree engines only; ONNX and TorchScript return what
 *     they compute)
 * @param text for a text model, how rows become token ids; null for a model of numeric features
 * @param labelsFile the class names beside the model, one per line in output order (DJL's {@code
 *     synset.txt}), relative to the model's folder; null for none
 * @param folderFiles for a model given as a folder (DJL's layout), every other file in it, relative
 *     to it: all part of the digest and copied with the model; empty for a model file
 * @param inputs the named inputs a row's values feed, in order; empty for one float32 input of
 *     {@code featureCount} values (the common case)
 * @param outputs the output tensors to return, by name (ONNX) or position ({@code 0}, {@code 1},
 *     ... of a TorchScript tuple), the primary one first ({@code ""} for the model's first); empty
 *     for the first output alone (the common case)
 */
public record ModelSpec(
    String location,
    ModelEngine engine,
    String digest,
    int featureCount,
    OutputType output,
    TextInput text,
    String labelsFile,
    List<String> folderFiles,
    List<ModelInput> inputs,
    List<String> outputs)
    implements Serializable {

  public ModelSpec {
    folderFiles = folderFiles == null ? List.of() : List.copyOf(folderFiles);
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    outputs = outputs == null ? List.of() : List.copyOf(outputs);
    if (!outputs.isEmpty() && !engine.throughDjl()) {
      throw new ModelLoadException(
          "Model "
              + location
              + " runs on "
              + engine.djlName()
              + ", which returns one output; named output tensors are for ONNX and TorchScript"
              + " models. Drop model.outputs.from and model.outputs.tensors.");
    }
    if (digest == null || digest.length() != 64) {
      throw new IllegalArgumentException("digest must be a SHA-256 hex string: " + digest);
    }
    if (featureCount < 1) {
      throw new ModelLoadException(
          "The model needs at least one input feature, but the spec of "
              + location
              + " gives it "
              + featureCount
              + "; list the features that feed it.");
    }
    output = output == null ? OutputType.PROBABILITY : output;
    if (output == OutputType.RAW && engine.returnsGraphOutput()) {
      throw new ModelLoadException(
          "Model "
              + location
              + " runs on "
              + engine.djlName()
              + ", which returns what the model's graph computes; raw output is for LightGBM and"
              + " XGBoost models. Drop the raw output setting, or export the model without its"
              + " final transform.");
    }
    if (text != null && !engine.throughDjl()) {
      throw new ModelLoadException(
          "Model "
              + location
              + " runs on "
              + engine.djlName()
              + ", which takes numeric features; text through a tokenizer is for ONNX and"
              + " TorchScript models. Drop model.text, or list the model's features.");
    }
    int textWidth = text == null ? 0 : text.width();
    if (!inputs.isEmpty()) {
      if (!engine.throughDjl()) {
        throw new ModelLoadException(
            "Model "
                + location
                + " runs on "
                + engine.djlName()
                + ", which takes one matrix of features; named inputs are for ONNX and"
                + " TorchScript models. List the features in model.features instead.");
      }
      // A text model's named inputs follow its ids (and mask) in each row.
      int sum = inputs.stream().mapToInt(ModelInput::width).sum();
      if (textWidth + sum != featureCount) {
        throw new IllegalArgumentException(
            "the inputs take "
                + (textWidth + sum)
                + " values per row, the spec feeds "
                + featureCount);
      }
    } else if (text != null && featureCount != textWidth) {
      throw new IllegalArgumentException(
          "a text model's spec feeds it "
              + textWidth
              + " values per row (its ids and mask), not "
              + featureCount);
    }
  }

  /** A spec for a model of numeric features. */
  public ModelSpec(
      String location, ModelEngine engine, String digest, int featureCount, OutputType output) {
    this(location, engine, digest, featureCount, output, null, null, null, null, null);
  }

  /** A spec without a labels file. */
  public ModelSpec(
      String location,
      ModelEngine engine,
      String digest,
      int featureCount,
      OutputType output,
      TextInput text) {
    this(location, engine, digest, featureCount, output, text, null, null, null, null);
  }

  /** A spec of a model file or folder with one float32 input. */
  public ModelSpec(
      String location,
      ModelEngine engine,
      String digest,
      int featureCount,
      OutputType output,
      TextInput text,
      String labelsFile,
      List<String> folderFiles) {
    this(location, engine, digest, featureCount, output, text, labelsFile, folderFiles, null, null);
  }

  /** A spec for the model's default output (probabilities, or what an ONNX graph computes). */
  public ModelSpec(String location, ModelEngine engine, String digest, int featureCount) {
    this(location, engine, digest, featureCount, OutputType.PROBABILITY);
  }

  /**
   * The files beside the model that the model needs and its digest covers, apart from an ONNX
   * model's external data (which the model file names): a text model's tokenizer, the labels.
   */
  public List<String> declaredFiles() {
    return declaredFiles(text, labelsFile, folderFiles);
  }

  /**
   * The files a model with {@code text} and {@code labelsFile} (each may be null) and {@code
   * folderFiles} declares, each once, sorted.
   */
  public static List<String> declaredFiles(
      TextInput text, String labelsFile, List<String> folderFiles) {
    Set<String> files = new TreeSet<>(folderFiles);
    if (text != null) {
      files.add(text.tokenizerFile());
    }
    if (labelsFile != null) {
      files.add(labelsFile);
    }
    return List.copyOf(files);
  }

  /** The first 12 hex digits of the digest, for logs. */
  public String shortDigest() {
    return digest.substring(0, 12);
  }
}

package io.shardscore.job.score;

import io.shardscore.job.config.ModelConfig;
import io.shardscore.job.config.Settings;
import io.shardscore.job.error.Causes;
import io.shardscore.job.store.HadoopConf;
import io.shardscore.job.store.HadoopModelFiles;
import io.shardscore.job.store.HadoopModelSource;
import io.shardscore.job.store.ModelLocation;
import io.shardscore.job.store.StoreErrors;
import io.shardscore.job.store.StorePaths;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.FeatureCountException;
import io.shardscore.model.InferenceException;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelInput;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.ModelOutput;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import io.shardscore.model.OutputType;
import io.shardscore.model.ScoringSession;
import io.shardscore.model.TextInput;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A model as a run uses it: its spec (location, engine, digest of every file it reads, input
 * width), where executors fetch it from, and the output width it answered a test batch with.
 *
 * @param spec what the executors load; its digest is the model's identity in the manifest
 * @param source where executors copy the model from (any Hadoop file system)
 * @param outputWidth values per row the model returned for a test batch
 * @param labels the class names of the model's labels file, one per output value; empty without
 * @param tensorWidths values per row of each other selected output tensor, in order; empty when the
 *     first output alone is used
 */
public record ModelBinding(
    ModelSpec spec,
    HadoopModelSource source,
    int outputWidth,
    List<String> labels,
    List<Integer> tensorWidths) {

  /**
   * The spec of the model at {@code path}: the one way the run and the executor plugin name a
   * model, so both find the same entry of the executor's model registry.
   */
  public static ModelSpec spec(
      String path, ModelEngine engine, int featureCount, Configuration hadoop, String key) {
    return spec(path, engine, OutputType.PROBABILITY, featureCount, hadoop, key);
  }

  /** The same for a model whose output type the job sets (raw scores of a tree model). */
  public static ModelSpec spec(
      String path,
      ModelEngine engine,
      OutputType output,
      int featureCount,
      Configuration hadoop,
      String key) {
    return spec(
        path,
        engine,
        output,
        featureCount,
        null,
        null,
        List.of(),
        List.of(),
        List.of(),
        hadoop,
        key);
  }

  /**
   * Where a job's model is: the file or DJL folder {@code model.path} names, with its engine. A
   * run, {@code serve} and the executor warm-up all find it this way.
   */
  public static ModelLocation locate(ModelConfig m, Configuration hadoop) {
    return ModelLocation.resolve(
        m.path(), m.engine(), Settings.MODEL_ENGINE.key(), hadoop, "model.path");
  }

  /**
   * The spec of a job's model at {@code location}, its class names from {@code model.labels} or
   * else the folder's {@code synset.txt}: the one way a run, {@code serve} and the executor warm-up
   * name it, so all of them find the same entry of an executor's model registry.
   */
  public static ModelSpec spec(ModelLocation location, ModelConfig m, Configuration hadoop) {
    return spec(
        location, m, m.labelsFile() != null ? m.labelsFile() : location.folderLabels(), hadoop);
  }

  /**
   * The spec of a job's model: {@code m}'s settings for the model file or folder at {@code
   * location}, with {@code labelsFile} as its class names (or null).
   */
  public static ModelSpec spec(
      ModelLocation location, ModelConfig m, String labelsFile, Configuration hadoop) {
    return spec(
        location.file(),
        location.engine(),
        m.modelOutputType(),
        m.featureWidth(),
        m.textInput(),
        labelsFile,
        location.folderFiles(),
        m.modelInputs(),
        m.outputs().selectedTensors(),
        hadoop,
        "model.path");
  }

  /**
   * The same for a model that may take text ({@code text} non-null) and may have class names
   * ({@code labelsFile} non-null), given as a file or a folder ({@code folderFiles}, the folder's
   * other files, see {@link io.shardscore.job.store.ModelLocation}): its tokenizer, labels file and
   * the folder's files are part of its digest.
   */
  public static ModelSpec spec(
      String path,
      ModelEngine engine,
      OutputType output,
      int featureCount,
      TextInput text,
      String labelsFile,
      List<String> folderFiles,
      List<ModelInput> inputs,
      List<String> outputs,
      Configuration hadoop,
      String key) {
    Path qualified = StorePaths.qualify(path, hadoop, key);
    StorePaths.fileSystem(qualified, hadoop, key);
    String digest;
    try {
      // The model file, for ONNX every external-data file it references, and a text model's
      // tokenizer.
      digest =
          ModelDigest.of(
              engine,
              new HadoopModelFiles(qualified, hadoop),
              ModelSpec.declaredFiles(text, labelsFile, folderFiles));
    } catch (FileNotFoundException e) {
      throw new ModelLoadException(
          key + " " + qualified + " does not exist. Check the path, or build the model first.");
    } catch (IOException e) {
      throw new ModelLoadException(StoreErrors.explain(key, qualified, e, hadoop), e);
    }
    return new ModelSpec(
        StorePaths.location(qualified),
        engine,
        digest,
        featureCount,
        output,
        text,
        labelsFile,
        folderFiles,
        inputs,
        outputs);
  }

  /** The setting that says what a job's model is fed, named when the model refuses it. */
  public static String inputsKey(ModelConfig m) {
    return m.isText() ? "model.text" : m.inputs().isEmpty() ? "model.features" : "model.inputs";
  }

  /** Where executors fetch the model of {@code spec} from. */
  public static HadoopModelSource source(ModelSpec spec, Configuration hadoop) {
    return new HadoopModelSource(spec.location(), spec.digest(), new HadoopConf(hadoop));
  }

  /**
   * Loads the model once on the driver and scores one zero row, to learn its output width and to
   * fail before any input is read when the model does not take {@code spec.featureCount()} values.
   */
  public static ModelBinding probe(ModelSpec spec, Configuration hadoop, String featuresKey) {
    HadoopModelSource source = source(spec, hadoop);
    LoadedModel model;
    try {
      model = ModelRegistry.acquire(spec, source, EngineSettings.forTaskCpus(1));
    } catch (FeatureCountException e) {
      throw new ModelLoadException(
          e.getMessage()
              + " "
              + featuresKey
              + " gives "
              + e.given()
              + " values per row; the model takes "
              + e.expected()
              + ".",
          e);
    }
    // Read while this handle holds the model; the session below takes the hold over.
    List<String> labels = model.labels();
    int width;
    List<Integer> tensorWidths = new java.util.ArrayList<>();
    try (ScoringSession session = model.newSession()) {
      ModelOutput out =
          session.predict(new FeatureBatch(new float[spec.featureCount()], 1, spec.featureCount()));
      width = out.primaryWidth();
      for (int i = 1; i < out.segmentCount(); i++) {
        tensorWidths.add(out.segmentWidth(i));
      }
    } catch (ModelLoadException | InferenceException e) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " rejected a test batch of 1 row x "
              + spec.featureCount()
              + " features: "
              + Causes.rootMessage(e)
              + ". Make "
              + featuresKey
              + " match the model's input (array columns count as their length).",
          e);
    }
    if (!labels.isEmpty() && labels.size() != width) {
      throw new ModelLoadException(
          "The labels file '"
              + spec.labelsFile()
              + "' of model "
              + spec.location()
              + " names "
              + labels.size()
              + " classes, but the model returns "
              + width
              + " values per row. Write one class name per output value, in output order.");
    }
    return new ModelBinding(spec, source, width, labels, tensorWidths);
  }
}

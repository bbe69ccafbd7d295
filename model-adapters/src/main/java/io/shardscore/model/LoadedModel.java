package io.shardscore.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A model loaded into an engine, shared by every task thread of a JVM. Tasks score through {@link
 * #newSession()}. Created only by {@link ModelRegistry}.
 */
public final class LoadedModel implements AutoCloseable {
  private final ModelSpec spec;
  private final ZooModel<FeatureBatch, ModelOutput> model;
  private final long loadMillis;

  private LoadedModel(ModelSpec spec, ZooModel<FeatureBatch, ModelOutput> model, long loadMillis) {
    this.spec = spec;
    this.model = model;
    this.loadMillis = loadMillis;
  }

  static LoadedModel load(ModelSpec spec, Path file, EngineSettings settings) {
    long start = System.nanoTime();
    Criteria<FeatureBatch, ModelOutput> criteria =
        Criteria.builder()
            .setTypes(FeatureBatch.class, ModelOutput.class)
            .optModelPath(file)
            .optEngine(spec.engine().djlName())
            .optTranslator(new FeatureBatchTranslator())
            .optOption("intraOpNumThreads", Integer.toString(settings.intraOpThreads()))
            .optOption("interOpNumThreads", "1")
            .build();
    ZooModel<FeatureBatch, ModelOutput> model;
    try {
      model = criteria.loadModel();
    } catch (ModelNotFoundException | MalformedModelException | IOException e) {
      throw new ModelLoadException(
          "Cannot load model "
              + spec.location()
              + " with "
              + spec.engine().djlName()
              + ": "
              + e.getMessage()
              + ". Check that the file is a complete ONNX model.",
          e);
    } catch (LinkageError e) {
      throw new ModelLoadException(
          "Engine "
              + spec.engine().djlName()
              + " is not usable in this JVM ("
              + e
              + "). Put the engine's jars (ai.djl.onnxruntime:onnxruntime-engine and"
              + " com.microsoft.onnxruntime:onnxruntime) on the classpath of driver and executors.",
          e);
    } catch (RuntimeException e) {
      throw new ModelLoadException(
          "Cannot load model "
              + spec.location()
              + " with "
              + spec.engine().djlName()
              + ": "
              + e.getMessage()
              + ". The file may be truncated or not an ONNX model.",
          e);
    }
    try {
      checkInputShape(spec, model.getBlock().describeInput());
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return new LoadedModel(spec, model, (System.nanoTime() - start) / 1_000_000);
  }

  private static void checkInputShape(ModelSpec spec, PairList<String, Shape> inputs) {
    if (inputs == null || inputs.size() != 1) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " has "
              + (inputs == null ? 0 : inputs.size())
              + " inputs "
              + (inputs == null ? "" : inputs.keys())
              + "; shardscore feeds exactly one [batch, features] float tensor. Export the model"
              + " with a single input.");
    }
    Shape shape = inputs.get(0).getValue();
    if (shape == null) {
      // The engine does not report input shapes; the first batch checks the width instead.
      return;
    }
    long width = shape.dimension() == 2 ? shape.get(1) : -2;
    if (width != spec.featureCount()) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " expects input '"
              + inputs.get(0).getKey()
              + "' of shape "
              + shape
              + ", but model.features lists "
              + spec.featureCount()
              + " values per row. Make model.features match the model's input width (array"
              + " columns count as their length).");
    }
  }

  /** A new per-task session; cheap, never reloads the model. */
  public ScoringSession newSession() {
    return new ScoringSession(model.newPredictor(), spec);
  }

  public ModelSpec spec() {
    return spec;
  }

  public long loadMillis() {
    return loadMillis;
  }

  @Override
  public void close() {
    model.close();
  }
}

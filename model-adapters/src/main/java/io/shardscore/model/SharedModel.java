package io.shardscore.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model loaded into an engine, shared by every task thread of a JVM: one per (digest, device),
 * created, pinned and closed only by {@link ModelRegistry}. Tasks reach it through a {@link
 * LoadedModel} handle and score through its sessions.
 */
final class SharedModel implements AutoCloseable {
  private final ModelSpec spec;
  private final EngineModel model;
  private final long loadMillis;
  private final String device;
  private final TextEncoder text;
  private final List<String> labels;
  private volatile DeviceBatcher batcher;
  private int queueSessions;
  private volatile boolean engineClosed;

  // Guarded by ModelRegistry.LOCK: handles and sessions holding the model, when it was last used
  // (the registry's logical clock), whether the registry has let go of it (it closes once no one
  // holds it) and whether it is being closed.
  int pins;
  long lastUsed;
  boolean retired;
  boolean closing;

  /**
   * Feature counts this model was checked to take: a later spec with one of them is not checked
   * again (for TorchScript the check is a forward pass, run under the registry's lock).
   */
  private final java.util.Set<Integer> fittingWidths =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private SharedModel(
      ModelSpec spec,
      EngineModel model,
      TextEncoder text,
      List<String> labels,
      long loadMillis,
      String device) {
    this.spec = spec;
    this.model = model;
    this.text = text;
    this.labels = labels;
    this.loadMillis = loadMillis;
    this.device = device;
    fittingWidths.add(spec.featureCount());
  }

  static SharedModel load(ModelSpec spec, Path file, EngineSettings settings, DeviceChoice choice) {
    long start = System.nanoTime();
    EngineModel model =
        switch (spec.engine()) {
          case LIGHTGBM -> LightGbmModel.load(spec, file, settings);
          case XGBOOST -> XgboostModel.load(spec, file, settings);
          case ONNX_RUNTIME, PYTORCH -> loadWithDjl(spec, file, settings, choice);
        };
    TextEncoder text = null;
    List<String> labels;
    try {
      Path folder = file.toAbsolutePath().getParent();
      labels =
          spec.labelsFile() == null
              ? java.util.List.of()
              : ClassLabels.read(folder.resolve(normalised(spec.labelsFile(), spec)), spec);
      if (spec.text() != null) {
        // The name as the digest and the cache normalised it: the file the cache copied.
        text =
            TextEncoder.load(
                folder.resolve(normalised(spec.text().tokenizerFile(), spec)),
                spec.text(),
                spec.location());
      }
      checkFeatureCount(spec, model);
    } catch (RuntimeException e) {
      if (text != null) {
        text.close();
      }
      model.close();
      throw e;
    }
    return new SharedModel(
        spec, model, text, labels, (System.nanoTime() - start) / 1_000_000, choice.device());
  }

  /**
   * Loads an ONNX or TorchScript model through DJL, with the engine named explicitly (with PyTorch
   * on the class path DJL would otherwise default to it).
   */
  private static DjlModel loadWithDjl(
      ModelSpec spec, Path file, EngineSettings settings, DeviceChoice choice) {
    Criteria.Builder<FeatureBatch, ModelOutput> builder =
        Criteria.builder()
            .setTypes(FeatureBatch.class, ModelOutput.class)
            .optModelPath(file)
            .optEngine(spec.engine().djlName())
            .optTranslator(
                new FeatureBatchTranslator(
                    spec.engine() == ModelEngine.PYTORCH,
                    spec.text(),
                    spec.inputs(),
                    spec.outputs()))
            .optDevice(choice.onGpu() ? ai.djl.Device.gpu(choice.gpu()) : ai.djl.Device.cpu());
    if (spec.engine() == ModelEngine.PYTORCH) {
      TorchNatives.start(settings, spec.location());
      // A model saved on a GPU loads onto the device this JVM scores on.
      builder.optOption("mapLocation", "true");
    } else {
      builder
          .optOption("intraOpNumThreads", Integer.toString(settings.intraOpThreads()))
          .optOption("interOpNumThreads", "1");
    }
    ZooModel<FeatureBatch, ModelOutput> model;
    try {
      model = builder.build().loadModel();
    } catch (ModelNotFoundException | MalformedModelException | IOException e) {
      throw LoadFailure.explain(spec, e);
    } catch (LinkageError e) {
      throw new ModelLoadException(
          "Engine "
              + spec.engine().djlName()
              + " is not usable in this JVM ("
              + e
              + "). Put the engine's jars ("
              + (spec.engine() == ModelEngine.PYTORCH
                  ? "ai.djl.pytorch:pytorch-engine, pytorch-jni and pytorch-native-cpu"
                  : "ai.djl.onnxruntime:onnxruntime-engine and com.microsoft.onnxruntime:onnxruntime")
              + ") on the classpath of driver and executors.",
          e);
    } catch (RuntimeException e) {
      if (spec.engine() == ModelEngine.PYTORCH) {
        throw LoadFailure.explain(spec, e);
      }
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
    return new DjlModel(model);
  }

  /**
   * Runs two rows of zeros through a TorchScript model, which does not declare its input shapes, or
   * a text model of either engine (ONNX Runtime reports no symbolic lengths): a model that takes
   * another width, length or dtype, or whose output is not a {@code [batch, k]} tensor (one that
   * returns a dict, or as many rows whatever the batch), fails here, before any task, with the
   * engine's reason. Two rows, not one: one row in and one row out is also what a model that
   * reduces over the batch returns.
   */
  private static void probe(ModelSpec spec, EngineModel model) {
    int rows = 2;
    FeatureBatch zeros =
        new FeatureBatch(new float[rows * spec.featureCount()], rows, spec.featureCount());
    ModelOutput out;
    try (EnginePredictor predictor = model.newPredictor()) {
      out = predictor.predict(zeros);
    } catch (TranslateException | RuntimeException e) {
      String reason = LoadFailure.reason(e);
      if (!spec.outputs().isEmpty() && reason.contains("the model has no output")) {
        throw new ModelLoadException(
            "Model "
                + spec.location()
                + " ("
                + spec.engine().djlName()
                + "): "
                + reason
                + ". Name one of them in model.outputs.from or model.outputs.tensors.",
            e);
      }
      String fed;
      String fix;
      if (spec.text() != null && !spec.inputs().isEmpty()) {
        fed =
            "padding as token ids"
                + (spec.text().attentionMask() ? " and attention mask" : "")
                + ", then zeros as "
                + describe(spec.inputs())
                + ", the inputs model.text and model.inputs feed it";
        fix =
            "Make model.text (length, mask) and model.inputs (order, widths, model.input-types)"
                + " match the model's inputs: the text's first, then the named inputs.";
      } else if (!spec.inputs().isEmpty()) {
        fed = "zeros as " + describe(spec.inputs()) + ", the inputs model.inputs feeds it";
        fix =
            "Make model.inputs match the model's inputs: the same order, widths (array columns"
                + " count as their length) and model.input-types.";
      } else if (spec.text() != null) {
        fed =
            (spec.text().padLongest() ? "1 (the longest row's length)" : spec.text().maxLength())
                + " int64 token ids"
                + (spec.text().attentionMask() ? " and their attention mask" : "")
                + ", the input model.text feeds it";
        fix =
            spec.text().padLongest()
                ? "model.text.padding is longest: each batch is fed its longest row's length, so"
                    + " the model must take any length. Export it with a dynamic length, or set"
                    + " model.text.padding: max-length."
                : "Set model.text.max-length and model.text.attention-mask to the inputs the model"
                    + " was traced with; it must return a [batch, k] tensor first.";
      } else {
        fed = spec.featureCount() + " float32 features, the input its spec feeds it";
        fix =
            "Make model.features match the input the model was traced with, in the same order"
                + " (array features count as their length); the model must take one [batch,"
                + " features] float32 tensor and return a [batch, k] tensor first.";
      }
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " ("
              + spec.engine().djlName()
              + ") fails on two rows of "
              + fed
              + ": "
              + reason
              + ". "
              + fix,
          e);
    }
    if (out.rows() != rows) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " ("
              + spec.engine().djlName()
              + ") returned "
              + out.rows()
              + " rows for "
              + rows
              + " input rows; its first output must have the batch as first dimension.");
    }
    checkOutputWidthsFixed(spec, model, out);
  }

  /**
   * For a model of sequence inputs, runs two rows whose sequences are 2 long (the zero probe's are
   * padded to 1): an output whose width follows the batch's longest row cannot be a column (each
   * batch would write another width, and every output after it would be read at the probe's offset,
   * another tensor's values), so it is refused here, before any task.
   */
  private static void checkOutputWidthsFixed(ModelSpec spec, EngineModel model, ModelOutput one) {
    List<Integer> lengthSlots = new java.util.ArrayList<>();
    // A text model's named inputs follow its ids (and mask) in each row.
    int offset = spec.text() == null ? 0 : spec.text().width();
    for (ModelInput input : spec.inputs()) {
      if (input.sequence() && input.maxLength() >= 2) {
        lengthSlots.add(offset);
      }
      offset += input.width();
    }
    if (lengthSlots.isEmpty()) {
      return;
    }
    int rows = 2;
    int width = spec.featureCount();
    float[] values = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      for (int slot : lengthSlots) {
        values[r * width + slot] = 2;
      }
    }
    ModelOutput two;
    try (EnginePredictor predictor = model.newPredictor()) {
      two = predictor.predict(new FeatureBatch(values, rows, width));
    } catch (TranslateException | RuntimeException e) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " ("
              + spec.engine().djlName()
              + ") fails on two rows of sequences of length 2 (zeros): "
              + LoadFailure.reason(e)
              + ". A sequence input is fed padded to each batch's longest row: the model must take"
              + " any length up to its maximum.",
          e);
    }
    for (int i = 0; i < one.segmentCount(); i++) {
      if (i >= two.segmentCount() || one.segmentWidth(i) != two.segmentWidth(i)) {
        String name =
            spec.outputs().isEmpty()
                ? "its first output"
                : "output '" + spec.outputs().get(i) + "'";
        throw new ModelLoadException(
            "Model "
                + spec.location()
                + " ("
                + spec.engine().djlName()
                + "): "
                + name
                + " has "
                + one.segmentWidth(i)
                + " values per row when its sequence input is 1 long and "
                + (i < two.segmentCount() ? two.segmentWidth(i) : 0)
                + " when it is 2 long: its width follows each batch's longest sequence, but an"
                + " output is a column of one width. Return a fixed width per row (pool over the"
                + " sequence), or leave that output out of model.outputs.");
      }
    }
  }

  /**
   * Checks that this loaded model fits {@code spec} as well as the spec it was loaded for: a spec
   * of the same file with another feature count is refused as its own load would be.
   *
   * @throws ModelLoadException when it does not
   */
  void checkFits(ModelSpec other) {
    if (fittingWidths.contains(other.featureCount())) {
      return;
    }
    checkFeatureCount(other, model);
    fittingWidths.add(other.featureCount());
  }

  private static void checkFeatureCount(ModelSpec spec, EngineModel model) {
    if (spec.engine() == ModelEngine.PYTORCH) {
      probe(spec, model);
      return;
    }
    if (model instanceof DjlModel djl) {
      if (!spec.outputs().isEmpty()) {
        checkOutputNames(spec, djl.describeOutput());
      }
      if (spec.text() != null) {
        checkTextInputs(spec, djl.describeInput());
        // ONNX Runtime does not report symbolic lengths: a forward pass checks them.
        probe(spec, model);
      } else if (!spec.inputs().isEmpty()) {
        checkNamedInputs(spec, djl.describeInput());
        probe(spec, model);
      } else {
        checkInputShape(spec, djl.describeInput());
        if (!spec.outputs().isEmpty()) {
          // ONNX Runtime may not describe its outputs: a forward pass finds the named ones.
          probe(spec, model);
        }
      }
      return;
    }
    long expected = model.featureCount().orElse(spec.featureCount());
    if (expected != spec.featureCount()) {
      throw new FeatureCountException(
          "Model "
              + spec.location()
              + " ("
              + spec.engine().djlName()
              + ") expects "
              + expected
              + " features per row, but its spec feeds it "
              + spec.featureCount()
              + ". Make the features match the ones the model was trained on, in the same order"
              + " (array features count as their length).",
          expected,
          spec.featureCount());
    }
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
              + ", but its spec feeds it "
              + spec.featureCount()
              + " values per row. Make the features match the model's input width (array"
              + " features count as their length).");
    }
  }

  /** An ONNX model must declare every output tensor the spec names. */
  private static void checkOutputNames(ModelSpec spec, PairList<String, Shape> declared) {
    if (declared == null) {
      return; // the first batch names a missing output instead
    }
    List<String> names = declared.keys();
    for (String wanted : spec.outputs()) {
      if (!wanted.isEmpty() && !names.contains(wanted)) {
        throw new ModelLoadException(
            "Model "
                + spec.location()
                + " has no output '"
                + wanted
                + "'; its outputs are "
                + names
                + ". Name one of them in model.outputs.from or model.outputs.tensors.");
      }
    }
  }

  /** The inputs as messages show them: {@code dense float32[4], ids int64[2]}. */
  private static String describe(List<ModelInput> inputs) {
    return inputs.stream()
        .map(ModelInput::describe)
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /**
   * An ONNX model's declared inputs must be model.inputs' names in the same order: the tensors are
   * fed in that order.
   */
  private static void checkNamedInputs(ModelSpec spec, PairList<String, Shape> declared) {
    List<String> expected = declared == null ? java.util.List.of() : declared.keys();
    List<String> given = spec.inputs().stream().flatMap(i -> i.tensorNames().stream()).toList();
    if (!expected.equals(given)) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " takes the inputs "
              + expected
              + ", in this order; model.inputs gives "
              + given
              + ". List model.inputs with the model's input names, in its order"
              + (spec.inputs().stream().anyMatch(i -> i.mask() != null)
                  ? " (a sequence's mask input, model.masks, is fed right after its sequence)"
                  : "")
              + ".");
    }
  }

  /**
   * An ONNX text model must take the ids (and the mask) as {@code [batch, length]} each, then its
   * named inputs, if any, by their names.
   */
  private static void checkTextInputs(ModelSpec spec, PairList<String, Shape> declared) {
    TextInput text = spec.text();
    int expected = text.attentionMask() ? 2 : 1;
    List<String> named = spec.inputs().stream().flatMap(i -> i.tensorNames().stream()).toList();
    if (!named.isEmpty()) {
      int n = declared == null ? 0 : declared.size();
      if (n != expected + named.size()) {
        throw new ModelLoadException(
            "Model "
                + spec.location()
                + " takes the inputs "
                + (declared == null ? "[]" : declared.keys())
                + ", but model.text feeds it "
                + (expected == 2 ? "token ids and attention mask" : "token ids")
                + ", then model.inputs "
                + named
                + ". Make them match: the text's inputs first, then model.inputs in the model's"
                + " order.");
      }
      PairList<String, Shape> rest = new PairList<>();
      for (int i = expected; i < n; i++) {
        rest.add(declared.get(i));
      }
      checkNamedInputs(spec, rest);
      PairList<String, Shape> first = new PairList<>();
      for (int i = 0; i < expected; i++) {
        first.add(declared.get(i));
      }
      declared = first;
    }
    PairList<String, Shape> inputs = declared;
    if (inputs == null || inputs.size() != expected) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " has "
              + (inputs == null ? 0 : inputs.size())
              + " inputs "
              + (inputs == null ? "[]" : inputs.keys())
              + ", but model.text feeds it "
              + (expected == 2 ? "2: token ids and attention mask" : "1: token ids")
              + (inputs != null && inputs.size() > 2
                  ? ". shardscore feeds token ids and an attention mask only (no token type ids);"
                      + " export the model with those inputs."
                  : ". Set model.text.attention-mask to "
                      + (expected == 2 ? "false" : "true")
                      + " if the model takes "
                      + (expected == 2 ? "only ids" : "a mask too")
                      + "."));
    }
    // Fed by position, ids first: a graph that declares its mask first would read the ids as the
    // mask and predict without an error.
    if (expected == 2 && isMask(inputs.get(0).getKey()) && !isMask(inputs.get(1).getKey())) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " declares its inputs "
              + inputs.keys()
              + ", the mask first, but model.text feeds the token ids first, then the attention"
              + " mask. Export the model with the ids as its first input (input_names="
              + "[\"input_ids\", \"attention_mask\"]), then rerun.");
    }
    for (int i = 0; i < inputs.size(); i++) {
      Shape shape = inputs.get(i).getValue();
      if (shape == null) {
        continue;
      }
      long width = shape.dimension() == 2 ? shape.get(1) : -2;
      if (text.padLongest() && width > 0) {
        throw new ModelLoadException(
            "Model "
                + spec.location()
                + " expects input '"
                + inputs.get(i).getKey()
                + "' of the fixed shape "
                + shape
                + ", but model.text.padding is longest: each batch is fed its longest row's"
                + " length. Export the model with a dynamic length (dynamic_axes={'"
                + inputs.get(i).getKey()
                + "': {0: 'batch', 1: 'length'}}), or set model.text.padding: max-length.");
      }
      if (width != -1 && width != text.maxLength()) {
        throw new ModelLoadException(
            "Model "
                + spec.location()
                + " expects input '"
                + inputs.get(i).getKey()
                + "' of shape "
                + shape
                + ", but model.text.max-length feeds it "
                + text.maxLength()
                + " tokens per row. Set model.text.max-length to the length the model was"
                + " exported with.");
      }
    }
  }

  /** A declared file's name as the digest and the cache normalised it (the file the cache has). */
  private static String normalised(String declared, ModelSpec spec) {
    return ModelDigest.declaredFiles(List.of(declared), spec.location()).get(0);
  }

  /** The class names from the spec's labels file, in output order; empty without one. */
  List<String> labels() {
    return labels;
  }

  private static boolean isMask(String inputName) {
    return inputName != null && inputName.toLowerCase(java.util.Locale.ROOT).contains("mask");
  }

  /** The tokenizer of a text model; null for a model of numeric features. */
  TextEncoder textEncoder() {
    return text;
  }

  /** A new predictor on the engine's model; cheap, never reloads it. */
  EnginePredictor newPredictor() {
    return model.newPredictor();
  }

  /** One engine call on {@code batch}, with the output's row count checked. */
  ModelOutput predictOnce(EnginePredictor predictor, FeatureBatch batch) {
    try {
      ModelOutput out = predictor.predict(batch);
      if (out.rows() != batch.rows()) {
        throw new InferenceException(
            "Model "
                + spec.location()
                + " returned "
                + out.rows()
                + " rows for a batch of "
                + batch.rows()
                + "; its first output must have the batch as first dimension.");
      }
      return out;
    } catch (TranslateException e) {
      throw new InferenceException(
          "Model "
              + spec.location()
              + " on "
              + device
              + " failed on a batch of "
              + batch.rows()
              + " rows of "
              + batch.features()
              + " features: "
              + e.getMessage(),
          e);
    }
  }

  private synchronized void queueSessionClosed() {
    queueSessions--;
  }

  /**
   * The batching queue of this model on its device, shared by every task thread of the JVM. A job
   * with other queue settings gets a new queue once no task uses the old one; while one does, the
   * running queue keeps its settings (logged).
   */
  synchronized DeviceBatcher batcher(BatchingSettings settings) {
    if (batcher != null && !batcher.settings().equals(settings)) {
      if (queueSessions == 0) {
        batcher.close();
        batcher = null;
      } else {
        org.apache.logging.log4j.LogManager.getLogger(SharedModel.class)
            .warn(
                "Batching queue of {} on {} keeps {} while tasks use it; {} applies once idle",
                spec.location(),
                device,
                batcher.settings(),
                settings);
      }
    }
    if (batcher == null) {
      batcher = new DeviceBatcher(this, model.newPredictor(), settings);
    }
    return batcher;
  }

  /**
   * A task's place in this model's batching queue: its batches are coalesced with other tasks'
   * batches on the same device.
   *
   * @param cancelled polled while a batch waits (a cancelled Spark task withdraws its batch)
   * @param onClose run once when the session closes, outside this model's lock
   */
  BatchModel queueSession(
      BatchingSettings settings, java.util.function.BooleanSupplier cancelled, Runnable onClose) {
    DeviceBatcher queue;
    synchronized (this) {
      queue = batcher(settings);
      queueSessions++;
    }
    return new BatchModel() {
      private boolean closed;

      @Override
      public ModelOutput predict(FeatureBatch batch) {
        return queue.predict(batch, cancelled);
      }

      @Override
      public TextEncoder textEncoder() {
        return text;
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          queueSessionClosed();
          onClose.run();
        }
      }
    };
  }

  /** True while the batching queue has work (a caller of {@link #batcher} may hold nothing). */
  boolean busy() {
    DeviceBatcher queue = batcher;
    return queue != null && queue.busy();
  }

  /** True once the engine's model is closed. */
  boolean isClosed() {
    return engineClosed;
  }

  /** The device the model runs on, in DJL's notation: {@code cpu()} or {@code gpu(N)}. */
  String device() {
    return device;
  }

  ModelSpec spec() {
    return spec;
  }

  long loadMillis() {
    return loadMillis;
  }

  /** Closes the engine's model; only the registry calls this, once no one holds the model. */
  @Override
  public synchronized void close() {
    engineClosed = true;
    if (batcher != null) {
      batcher.close();
    }
    try {
      model.close();
    } finally {
      if (text != null) {
        text.close();
      }
    }
  }
}

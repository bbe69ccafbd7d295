package io.shardscore.model;

import ai.djl.translate.TranslateException;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_double;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_float;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_int;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_long_long;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_p_void;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import com.microsoft.ml.lightgbm.lightgbmlib;
import com.microsoft.ml.lightgbm.lightgbmlibConstants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A LightGBM text model ({@code model.txt}) loaded through LightGBM's own Java binding ({@code
 * com.microsoft.ml.lightgbm:lightgbmlib} 3.3.510), not through DJL: DJL's LightGBM engine is
 * published only at 0.25.0, which does not run on DJL 0.36's API (its arrays lack {@code
 * NDArray.toByteBuffer(boolean)}, so reading any prediction throws {@code AbstractMethodError}).
 *
 * <p>One booster per loaded model, shared by every predictor (LightGBM's predict takes a shared
 * lock on the booster); each predictor owns its native input and output buffers. Each call uses
 * {@code num_threads} = the engine settings' intra-op threads.
 */
final class LightGbmModel implements EngineModel {
  private final SWIGTYPE_p_void booster;
  private final int featureCount;
  private final int classes;
  private final int predictType;
  private final String parameters;
  private boolean closed;

  private LightGbmModel(
      SWIGTYPE_p_void booster, int featureCount, int classes, OutputType output, int threads) {
    this.booster = booster;
    this.featureCount = featureCount;
    this.classes = classes;
    this.predictType =
        output == OutputType.RAW
            ? lightgbmlibConstants.C_API_PREDICT_RAW_SCORE
            : lightgbmlibConstants.C_API_PREDICT_NORMAL;
    this.parameters = "num_threads=" + threads;
  }

  /**
   * Loads the text model in {@code file}.
   *
   * @throws ModelLoadException naming LightGBM's reason when the file is not a complete LightGBM
   *     text model
   */
  static LightGbmModel load(ModelSpec spec, Path file, EngineSettings settings) {
    LightGbmNatives.load();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw notAModel(spec, e.toString(), e);
    }
    String problem = structuralProblem(bytes);
    if (problem != null) {
      throw notAModel(spec, problem, null);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    SWIGTYPE_p_p_void handle = lightgbmlib.voidpp_handle();
    SWIGTYPE_p_int iterations = lightgbmlib.new_intp();
    SWIGTYPE_p_void booster;
    try {
      if (lightgbmlib.LGBM_BoosterLoadModelFromString(text, iterations, handle) != 0) {
        throw notAModel(spec, lightgbmlib.LGBM_GetLastError(), null);
      }
      booster = lightgbmlib.voidpp_value(handle);
      if (lightgbmlib.intp_value(iterations) < 1) {
        lightgbmlib.LGBM_BoosterFree(booster);
        throw notAModel(spec, "it holds no trees", null);
      }
    } finally {
      lightgbmlib.delete_intp(iterations);
      lightgbmlib.delete_voidpp(handle);
    }
    try {
      int features = intOf(spec, booster, true);
      int classes = intOf(spec, booster, false);
      return new LightGbmModel(
          booster, features, classes, spec.output(), settings.intraOpThreads());
    } catch (RuntimeException e) {
      lightgbmlib.LGBM_BoosterFree(booster);
      throw e;
    }
  }

  /**
   * Why {@code bytes} cannot be a whole LightGBM text model, or null. Checked before LightGBM sees
   * the text because LightGBM 3.3.5 aborts the whole JVM ({@code terminate called}) on a model cut
   * inside a tree, instead of returning an error: the file must start with the {@code tree} header,
   * have its {@code end of trees} line, and each tree must be exactly as long as the header's
   * {@code tree_sizes} says.
   */
  static String structuralProblem(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1); // one char per byte: offsets
    if (!text.startsWith("tree\n") && !text.startsWith("tree\r\n")) {
      return "it does not start with LightGBM's 'tree' header line";
    }
    int end = text.indexOf("\nend of trees");
    if (end < 0) {
      return "it has no 'end of trees' line (a truncated file?)";
    }
    java.util.List<Integer> starts = new java.util.ArrayList<>();
    java.util.regex.Matcher tree = java.util.regex.Pattern.compile("(?m)^Tree=").matcher(text);
    while (tree.find() && tree.start() < end) {
      starts.add(tree.start());
    }
    int trees = starts.size();
    starts.add(end + 1);
    java.util.regex.Matcher sizes =
        java.util.regex.Pattern.compile("(?m)^tree_sizes=(.*)$").matcher(text);
    // An older model without tree sizes: LightGBM reads its trees one by one.
    if (sizes.find() && sizes.start() < end) {
      String[] declared = sizes.group(1).trim().split("\\s+");
      if (trees != declared.length) {
        return "its header declares "
            + declared.length
            + " trees but it holds "
            + trees
            + " (a truncated or edited file?)";
      }
      for (int i = 0; i < declared.length; i++) {
        long length = starts.get(i + 1) - starts.get(i);
        if (!declared[i].equals(Long.toString(length))) {
          return "tree "
              + i
              + " is "
              + length
              + " bytes long where the header's tree_sizes says "
              + declared[i]
              + " (a truncated or edited file?)";
        }
      }
    }
    java.util.regex.Matcher maxFeature =
        java.util.regex.Pattern.compile("(?m)^max_feature_idx=(\\d+)\\s*$").matcher(text);
    int features =
        maxFeature.find() && maxFeature.start() < starts.get(0)
            ? Integer.parseInt(maxFeature.group(1)) + 1
            : Integer.MAX_VALUE;
    for (int i = 0; i < trees; i++) {
      String problem = treeProblem(text.substring(starts.get(i), starts.get(i + 1)), features);
      if (problem != null) {
        return "tree " + i + " " + problem + " (an edited or corrupted file?)";
      }
    }
    return null;
  }

  /**
   * Why one tree's nodes do not form a tree over the model's features, or null. LightGBM 3.3.5
   * reads the node arrays without checking them: a child index past the nodes crashed the JVM, a
   * child pointing back up looped forever, and a leaf or feature index past the end scored with
   * whatever memory lay there (tried on edited files of the right length).
   */
  private static String treeProblem(String tree, int features) {
    java.util.Map<String, String> fields = new java.util.HashMap<>();
    for (String line : tree.split("\\r?\\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        fields.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    int leaves;
    try {
      leaves = Integer.parseInt(fields.getOrDefault("num_leaves", ""));
    } catch (NumberFormatException e) {
      return "has no valid num_leaves";
    }
    if (leaves < 1) {
      return "has num_leaves=" + leaves;
    }
    if (leaves == 1) {
      return null;
    }
    int nodes = leaves - 1;
    int[] split = ints(fields.get("split_feature"), nodes);
    int[] left = ints(fields.get("left_child"), nodes);
    int[] right = ints(fields.get("right_child"), nodes);
    if (split == null || left == null || right == null) {
      return "does not list split_feature, left_child and right_child for its " + nodes + " nodes";
    }
    for (int f : split) {
      if (f < 0 || f >= features) {
        return "splits on feature " + f + ", but the model has " + features + " features";
      }
    }
    // Every node and leaf is reached from the root exactly once: no cycle, no index past the end.
    boolean[] seenNode = new boolean[nodes];
    boolean[] seenLeaf = new boolean[leaves];
    java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>();
    todo.push(0);
    seenNode[0] = true;
    int reached = 1;
    while (!todo.isEmpty()) {
      int node = todo.pop();
      for (int child : new int[] {left[node], right[node]}) {
        boolean fresh;
        if (child >= 0) {
          fresh = child < nodes && !seenNode[child];
          if (fresh) {
            seenNode[child] = true;
            todo.push(child);
          }
        } else {
          int leaf = ~child;
          fresh = leaf < leaves && !seenLeaf[leaf];
          if (fresh) {
            seenLeaf[leaf] = true;
          }
        }
        if (!fresh) {
          return "has node "
              + node
              + " pointing to child "
              + child
              + ", which is out of range or"
              + " reached twice";
        }
        reached++;
      }
    }
    if (reached != nodes + leaves) {
      return "has nodes or leaves that its root does not reach";
    }
    return null;
  }

  /** {@code count} integers separated by spaces, or null when the text is not exactly that. */
  private static int[] ints(String text, int count) {
    if (text == null) {
      return null;
    }
    String[] parts = text.isEmpty() ? new String[0] : text.split("\\s+");
    if (parts.length != count) {
      return null;
    }
    int[] out = new int[count];
    try {
      for (int i = 0; i < count; i++) {
        out[i] = Integer.parseInt(parts[i]);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return out;
  }

  private static int intOf(ModelSpec spec, SWIGTYPE_p_void booster, boolean features) {
    SWIGTYPE_p_int out = lightgbmlib.new_intp();
    try {
      int rc =
          features
              ? lightgbmlib.LGBM_BoosterGetNumFeature(booster, out)
              : lightgbmlib.LGBM_BoosterGetNumClasses(booster, out);
      if (rc != 0) {
        throw notAModel(spec, lightgbmlib.LGBM_GetLastError(), null);
      }
      return lightgbmlib.intp_value(out);
    } finally {
      lightgbmlib.delete_intp(out);
    }
  }

  private static ModelLoadException notAModel(ModelSpec spec, String reason, Throwable cause) {
    return new ModelLoadException(
        "Cannot load model "
            + spec.location()
            + " with LightGBM "
            + LightGbmNatives.VERSION
            + ": "
            + reason
            + ". Check that the file is a complete LightGBM text model (Booster.save_model,"
            + " model.txt).",
        cause);
  }

  @Override
  public OptionalLong featureCount() {
    return OptionalLong.of(featureCount);
  }

  @Override
  public EnginePredictor newPredictor() {
    return new Predictor();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      lightgbmlib.LGBM_BoosterFree(booster);
    }
  }

  /** A predictor's own native buffers, grown to the largest batch it has seen. */
  private final class Predictor implements EnginePredictor {
    private SWIGTYPE_p_float input;
    private SWIGTYPE_p_double output;
    private final SWIGTYPE_p_long_long outLength = lightgbmlib.new_int64_tp();
    private int capacityRows;

    @Override
    public ModelOutput predict(FeatureBatch batch) throws TranslateException {
      int rows = batch.rows();
      int width = batch.features();
      if (width != featureCount) {
        throw new TranslateException(
            "the LightGBM model takes " + featureCount + " features per row, not " + width);
      }
      if (rows == 0) {
        return new ModelOutput(new float[0], 0, classes);
      }
      ensureCapacity(rows);
      float[] values = batch.values();
      int n = rows * width;
      for (int i = 0; i < n; i++) {
        lightgbmlib.floatArray_setitem(input, i, values[i]);
      }
      int rc =
          lightgbmlib.LGBM_BoosterPredictForMat(
              booster,
              lightgbmlib.float_to_voidp_ptr(input),
              lightgbmlibConstants.C_API_DTYPE_FLOAT32,
              rows,
              width,
              1,
              predictType,
              0,
              -1,
              parameters,
              outLength,
              output);
      if (rc != 0) {
        throw new TranslateException("LightGBM predict failed: " + lightgbmlib.LGBM_GetLastError());
      }
      long length = lightgbmlib.int64_tp_value(outLength);
      if (length != (long) rows * classes) {
        throw new TranslateException(
            "LightGBM returned " + length + " values for " + rows + " rows of " + classes);
      }
      float[] out = new float[(int) length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) lightgbmlib.doubleArray_getitem(output, i);
      }
      return new ModelOutput(out, rows, classes);
    }

    private void ensureCapacity(int rows) {
      if (rows <= capacityRows) {
        return;
      }
      freeBuffers();
      input = lightgbmlib.new_floatArray((long) rows * featureCount);
      output = lightgbmlib.new_doubleArray((long) rows * classes);
      capacityRows = rows;
    }

    private void freeBuffers() {
      if (input != null) {
        lightgbmlib.delete_floatArray(input);
        lightgbmlib.delete_doubleArray(output);
        input = null;
        output = null;
        capacityRows = 0;
      }
    }

    @Override
    public void close() {
      freeBuffers();
      lightgbmlib.delete_int64_tp(outLength);
    }
  }
}

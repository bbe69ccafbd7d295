package io.shardscore.model.lightgbm;

import com.microsoft.ml.lightgbm.SWIGTYPE_p_double;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_float;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_int;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_long_long;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_p_void;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import com.microsoft.ml.lightgbm.lightgbmlib;
import com.microsoft.ml.lightgbm.lightgbmlibConstants;
import io.shardscore.model.LightGbmNatives;
import java.nio.file.Path;

/**
 * Trains a LightGBM booster with LightGBM's own training API (lightgbmlib), saves it as a text
 * model and predicts with the trained booster itself: how tests and the benchmark get a LightGBM
 * model without Python's lightgbm (not packaged for Debian), and the oracle the scored output is
 * compared with. Not thread-safe; close it to free the booster.
 */
public final class LightGbmTrainer implements AutoCloseable {
  private final SWIGTYPE_p_void booster;
  private final SWIGTYPE_p_void dataset;
  private final int features;
  private final int classes;

  private LightGbmTrainer(
      SWIGTYPE_p_void booster, SWIGTYPE_p_void dataset, int features, int classes) {
    this.booster = booster;
    this.dataset = dataset;
    this.features = features;
    this.classes = classes;
  }

  /**
   * Trains on {@code rows} row-major rows of {@code features} values with {@code labels}.
   *
   * @param parameters LightGBM parameters, e.g. {@code objective=binary num_leaves=15}
   * @param rounds boosting rounds
   */
  public static LightGbmTrainer train(
      float[] values, float[] labels, int features, String parameters, int rounds) {
    LightGbmNatives.load();
    int rows = labels.length;
    SWIGTYPE_p_float data = copy(values);
    SWIGTYPE_p_float label = copy(labels);
    SWIGTYPE_p_p_void out = lightgbmlib.voidpp_handle();
    SWIGTYPE_p_int finished = lightgbmlib.new_intp();
    try {
      String common = parameters + " verbose=-1 num_threads=1 deterministic=true seed=7";
      check(
          lightgbmlib.LGBM_DatasetCreateFromMat(
              lightgbmlib.float_to_voidp_ptr(data),
              lightgbmlibConstants.C_API_DTYPE_FLOAT32,
              rows,
              features,
              1,
              common,
              null,
              out));
      SWIGTYPE_p_void dataset = lightgbmlib.voidpp_value(out);
      check(
          lightgbmlib.LGBM_DatasetSetField(
              dataset,
              "label",
              lightgbmlib.float_to_voidp_ptr(label),
              rows,
              lightgbmlibConstants.C_API_DTYPE_FLOAT32));
      check(lightgbmlib.LGBM_BoosterCreate(dataset, common, out));
      SWIGTYPE_p_void booster = lightgbmlib.voidpp_value(out);
      for (int i = 0; i < rounds; i++) {
        check(lightgbmlib.LGBM_BoosterUpdateOneIter(booster, finished));
      }
      SWIGTYPE_p_int n = lightgbmlib.new_intp();
      check(lightgbmlib.LGBM_BoosterGetNumClasses(booster, n));
      int classes = lightgbmlib.intp_value(n);
      lightgbmlib.delete_intp(n);
      return new LightGbmTrainer(booster, dataset, features, classes);
    } finally {
      lightgbmlib.delete_intp(finished);
      lightgbmlib.delete_voidpp(out);
      lightgbmlib.delete_floatArray(data);
      lightgbmlib.delete_floatArray(label);
    }
  }

  /** Saves the booster as a LightGBM text model ({@code model.txt}). */
  public void save(Path file) {
    check(lightgbmlib.LGBM_BoosterSaveModel(booster, 0, -1, 0, file.toString()));
  }

  /**
   * The trained booster's own predictions for {@code rows} rows: {@code classes} values per row,
   * probabilities or, with {@code raw}, raw scores.
   */
  public double[] predict(float[] values, int rows, boolean raw) {
    SWIGTYPE_p_float data = copy(values);
    SWIGTYPE_p_double result = lightgbmlib.new_doubleArray((long) rows * classes);
    SWIGTYPE_p_long_long length = lightgbmlib.new_int64_tp();
    try {
      check(
          lightgbmlib.LGBM_BoosterPredictForMat(
              booster,
              lightgbmlib.float_to_voidp_ptr(data),
              lightgbmlibConstants.C_API_DTYPE_FLOAT32,
              rows,
              features,
              1,
              raw
                  ? lightgbmlibConstants.C_API_PREDICT_RAW_SCORE
                  : lightgbmlibConstants.C_API_PREDICT_NORMAL,
              0,
              -1,
              "num_threads=1",
              length,
              result));
      double[] out = new double[(int) lightgbmlib.int64_tp_value(length)];
      for (int i = 0; i < out.length; i++) {
        out[i] = lightgbmlib.doubleArray_getitem(result, i);
      }
      return out;
    } finally {
      lightgbmlib.delete_floatArray(data);
      lightgbmlib.delete_doubleArray(result);
      lightgbmlib.delete_int64_tp(length);
    }
  }

  /** Values per row the booster predicts: 1 for binary and regression, k for k classes. */
  public int classes() {
    return classes;
  }

  private static SWIGTYPE_p_float copy(float[] values) {
    SWIGTYPE_p_float array = lightgbmlib.new_floatArray(Math.max(1, values.length));
    for (int i = 0; i < values.length; i++) {
      lightgbmlib.floatArray_setitem(array, i, values[i]);
    }
    return array;
  }

  private static void check(int rc) {
    if (rc != 0) {
      throw new IllegalStateException("LightGBM: " + lightgbmlib.LGBM_GetLastError());
    }
  }

  @Override
  public void close() {
    lightgbmlib.LGBM_BoosterFree(booster);
    lightgbmlib.LGBM_DatasetFree(dataset);
  }
}

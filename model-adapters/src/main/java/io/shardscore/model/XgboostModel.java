package io.shardscore.model;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * An XGBoost model (JSON or UBJ) loaded through xgboost4j 3.0.4's JNI, as DJL's XGBoost engine
 * 0.35.0 bundles it with its natives. DJL's own XGBoost model and arrays are not used, for two
 * measured reasons: its arrays reach native memory through a class it adds to JNA's package ({@code
 * com.sun.jna.PointerProxy}), which fails with {@code VerifyError} when JNA is loaded by another
 * class loader (the shaded jar under spark-submit, with JNA on Spark's classpath); and its block
 * passes its {@code Mode} option where this JNI takes the tree limit and the other way round
 * ({@code Mode=output_margin} returned first-tree probabilities, or crashed the JVM).
 *
 * <p>Rows are scored with XGBoost's in-place prediction from a dense float array (thread-safe on
 * one booster, no DMatrix): one booster per loaded model shared by every predictor, {@code nthread}
 * = the engine settings' intra-op threads. The JNI class is package-private in xgboost4j, so it is
 * called through reflection.
 */
final class XgboostModel implements EngineModel {
  private static final int PREDICT_VALUE = 0;
  private static final int PREDICT_MARGIN = 1;

  private final ModelSpec spec;
  private final long booster;
  private final long featureCount;
  private final int predictType;
  private boolean closed;

  private XgboostModel(ModelSpec spec, long booster, long featureCount) {
    this.spec = spec;
    this.booster = booster;
    this.featureCount = featureCount;
    this.predictType = spec.output() == OutputType.RAW ? PREDICT_MARGIN : PREDICT_VALUE;
  }

  /**
   * Loads the model in {@code file}; XGBoost reads {@code .ubj} as UBJ and other names as JSON.
   *
   * @throws ModelLoadException naming XGBoost's reason when the file is not a complete model
   */
  /** True when XGBoost reads the spec's file as UBJ: its name ends in {@code .ubj}. */
  static boolean readsUbj(ModelSpec spec) {
    return spec.engine() == ModelEngine.XGBOOST
        && spec.location().toLowerCase(java.util.Locale.ROOT).endsWith(".ubj");
  }

  static XgboostModel load(ModelSpec spec, Path file, EngineSettings settings) {
    String problem;
    try {
      problem = XgboostFormat.problem(file);
    } catch (java.io.IOException e) {
      problem = e.toString();
    }
    if (problem != null) {
      throw LoadFailure.explain(spec, new IllegalStateException(problem));
    }
    long[] out = new long[1];
    check(spec, Jni.call("XGBoosterCreate", new long[0], out));
    long booster = out[0];
    try {
      int rc = Jni.call("XGBoosterLoadModel", booster, file.toString());
      if (rc != 0) {
        throw LoadFailure.explain(spec, new IllegalStateException(Jni.lastError()));
      }
      check(
          spec,
          Jni.call(
              "XGBoosterSetParam",
              booster,
              "nthread",
              Integer.toString(settings.intraOpThreads())));
      long[] features = new long[1];
      check(spec, Jni.call("XGBoosterGetNumFeature", booster, features));
      return new XgboostModel(spec, booster, features[0]);
    } catch (RuntimeException | Error e) {
      Jni.call("XGBoosterFree", booster);
      throw e;
    }
  }

  private static void check(ModelSpec spec, int rc) {
    if (rc != 0) {
      throw new ModelLoadException(
          "XGBoost refused model "
              + spec.location()
              + ": "
              + LoadFailure.reason(new IllegalStateException(Jni.lastError())));
    }
  }

  @Override
  public OptionalLong featureCount() {
    return OptionalLong.of(featureCount);
  }

  @Override
  public EnginePredictor newPredictor() {
    return new EnginePredictor() {
      @Override
      public ModelOutput predict(FeatureBatch batch) throws ai.djl.translate.TranslateException {
        int rows = batch.rows();
        if (rows == 0) {
          return new ModelOutput(new float[0], 0, 1);
        }
        float[] values = batch.values();
        int n = rows * batch.features();
        float[] data = values.length == n ? values : java.util.Arrays.copyOf(values, n);
        float[][] out = new float[1][];
        int rc =
            Jni.call(
                "XGBoosterPredictFromDense",
                booster,
                data,
                (long) rows,
                (long) batch.features(),
                Float.NaN,
                0,
                0,
                predictType,
                null,
                out);
        if (rc != 0) {
          throw new ai.djl.translate.TranslateException(
              "XGBoost predict failed: "
                  + LoadFailure.reason(new IllegalStateException(Jni.lastError())));
        }
        float[] result = out[0];
        if (result.length % rows != 0) {
          throw new ai.djl.translate.TranslateException(
              "XGBoost returned " + result.length + " values for " + rows + " rows");
        }
        return new ModelOutput(result, rows, result.length / rows);
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Jni.call("XGBoosterFree", booster);
    }
  }

  /** xgboost4j's package-private {@code XGBoostJNI}, whose static methods return status codes. */
  private static final class Jni {
    private static final Class<?> CLASS;
    private static final java.util.Map<String, Method> METHODS = new java.util.HashMap<>();

    static {
      try {
        CLASS = Class.forName("ml.dmlc.xgboost4j.java.XGBoostJNI");
        for (Method m : CLASS.getDeclaredMethods()) {
          m.setAccessible(true);
          METHODS.put(m.getName(), m);
        }
      } catch (ClassNotFoundException e) {
        throw new ModelLoadException(
            "XGBoost is not on the classpath: put ai.djl.ml.xgboost:xgboost 0.35.0 (it carries"
                + " xgboost4j and its natives) on the classpath of driver and executors.",
            e);
      }
    }

    static int call(String name, Object... args) {
      Method m = METHODS.get(name);
      if (m == null) {
        throw new ModelLoadException(
            "This build's xgboost4j lacks XGBoostJNI."
                + name
                + "; use ai.djl.ml.xgboost:xgboost"
                + " 0.35.0 (xgboost4j 3.0.4) as the build declares.");
      }
      try {
        return (Integer) m.invoke(null, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
          throw r;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(cause);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }

    static String lastError() {
      try {
        return (String) METHODS.get("XGBGetLastError").invoke(null);
      } catch (ReflectiveOperationException e) {
        return "(XGBoost gave no reason: " + e + ")";
      }
    }
  }
}

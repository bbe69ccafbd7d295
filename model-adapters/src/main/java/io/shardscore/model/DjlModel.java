package io.shardscore.model;

import ai.djl.inference.Predictor;
import ai.djl.ml.xgboost.XgbSymbolBlock;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.util.PairList;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.OptionalLong;

/** A model DJL loaded (ONNX Runtime, XGBoost), scored through {@link FeatureBatchTranslator}. */
final class DjlModel implements EngineModel {
  private final ZooModel<FeatureBatch, ModelOutput> model;
  private final ModelEngine engine;

  DjlModel(ZooModel<FeatureBatch, ModelOutput> model, ModelEngine engine) {
    this.model = model;
    this.engine = engine;
  }

  @Override
  public EnginePredictor newPredictor() {
    Predictor<FeatureBatch, ModelOutput> predictor = model.newPredictor();
    return new EnginePredictor() {
      @Override
      public ModelOutput predict(FeatureBatch batch) throws ai.djl.translate.TranslateException {
        return predictor.predict(batch);
      }

      @Override
      public void close() {
        predictor.close();
      }
    };
  }

  /**
   * For ONNX the width of the single {@code [batch, n]} input, for XGBoost the booster's feature
   * count.
   */
  @Override
  public OptionalLong featureCount() {
    if (engine == ModelEngine.XGBOOST) {
      return OptionalLong.of(xgboostFeatureCount());
    }
    return OptionalLong.empty();
  }

  /** The ONNX model's inputs, names and shapes, as the engine describes them. */
  PairList<String, Shape> describeInput() {
    return model.getBlock().describeInput();
  }

  /**
   * DJL's XGBoost engine does not describe its input (its block has no parameters), so the booster
   * is asked directly, through xgboost4j's JNI class (package-private in the jar DJL bundles).
   */
  private long xgboostFeatureCount() {
    long[] out = new long[1];
    xgboostCall("XGBoosterGetNumFeature", new Class<?>[] {long.class, long[].class}, out);
    return out[0];
  }

  /**
   * Limits the booster to {@code threads} threads per prediction ({@code nthread}), as ONNX Runtime
   * gets {@code intraOpNumThreads}.
   */
  void setXgboostThreads(int threads) {
    xgboostCall(
        "XGBoosterSetParam",
        new Class<?>[] {long.class, String.class, String.class},
        "nthread",
        Integer.toString(threads));
  }

  private void xgboostCall(String name, Class<?>[] types, Object... args) {
    long handle = ((XgbSymbolBlock) model.getBlock()).getHandle();
    Object[] all = new Object[args.length + 1];
    all[0] = handle;
    System.arraycopy(args, 0, all, 1, args.length);
    int rc;
    try {
      Class<?> jni = Class.forName("ml.dmlc.xgboost4j.java.XGBoostJNI");
      Method m = jni.getMethod(name, types);
      m.setAccessible(true);
      rc = (Integer) m.invoke(null, all);
      if (rc != 0) {
        Method last = jni.getMethod("XGBGetLastError");
        last.setAccessible(true);
        throw new ModelLoadException("XGBoost " + name + " failed: " + last.invoke(null));
      }
    } catch (InvocationTargetException e) {
      throw new ModelLoadException("XGBoost " + name + " failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new ModelLoadException(
          "This build's XGBoost engine lacks xgboost4j's "
              + name
              + " ("
              + e
              + "); use ai.djl.ml.xgboost:xgboost 0.35.0 as the build declares.",
          e);
    }
  }

  @Override
  public void close() {
    model.close();
  }
}

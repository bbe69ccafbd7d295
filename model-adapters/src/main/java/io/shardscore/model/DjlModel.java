package io.shardscore.model;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import java.util.OptionalLong;

/** A model DJL loaded (ONNX Runtime, PyTorch), scored through {@link FeatureBatchTranslator}. */
final class DjlModel implements EngineModel {
  private final ZooModel<FeatureBatch, ModelOutput> model;

  DjlModel(ZooModel<FeatureBatch, ModelOutput> model) {
    this.model = model;
  }

  @Override
  public EnginePredictor newPredictor() {
    Predictor<FeatureBatch, ModelOutput> predictor = model.newPredictor();
    return new EnginePredictor() {
      @Override
      public ModelOutput predict(FeatureBatch batch) throws TranslateException {
        return predictor.predict(batch);
      }

      @Override
      public void close() {
        predictor.close();
      }
    };
  }

  /** Not known as a count: {@link #describeInput()} gives the input's names and shapes. */
  @Override
  public OptionalLong featureCount() {
    return OptionalLong.empty();
  }

  /** The model's inputs, names and shapes, as the engine describes them. */
  PairList<String, Shape> describeInput() {
    return model.getBlock().describeInput();
  }

  /** The model's outputs, names and shapes, as the engine describes them (may be null). */
  PairList<String, Shape> describeOutput() {
    try {
      return model.getBlock() instanceof ai.djl.nn.SymbolBlock symbols
          ? symbols.describeOutput()
          : null;
    } catch (UnsupportedOperationException e) {
      return null;
    }
  }

  @Override
  public void close() {
    model.close();
  }
}

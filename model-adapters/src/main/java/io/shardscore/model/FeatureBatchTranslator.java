package io.shardscore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;

/**
 * Turns a {@link FeatureBatch} into the model's single {@code [rows, features]} float tensor and
 * its first output tensor back into a {@link ModelOutput}. The batch is already a batch, so DJL's
 * batchifier is not used.
 */
final class FeatureBatchTranslator implements NoBatchifyTranslator<FeatureBatch, ModelOutput> {

  @Override
  public NDList processInput(TranslatorContext ctx, FeatureBatch batch) {
    NDArray x =
        ctx.getNDManager()
            .create(
                FloatBuffer.wrap(batch.values(), 0, batch.rows() * batch.features()),
                new Shape(batch.rows(), batch.features()));
    return new NDList(x);
  }

  @Override
  public ModelOutput processOutput(TranslatorContext ctx, NDList list) {
    NDArray y = list.get(0);
    Shape shape = y.getShape();
    int rows = (int) shape.get(0);
    int width = shape.dimension() == 1 ? 1 : (int) (shape.size() / rows);
    return new ModelOutput(y.toFloatArray(), rows, width);
  }
}

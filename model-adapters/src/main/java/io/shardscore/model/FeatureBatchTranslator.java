package io.shardscore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;

/**
 * Turns a {@link FeatureBatch} into the model's input, a single {@code [rows, features]} float
 * tensor or, for a text model, its int64 {@code [rows, length]} token ids (and attention mask), and
 * its first output tensor back into a {@link ModelOutput}. The batch is already a batch, so DJL's
 * batchifier is not used.
 */
final class FeatureBatchTranslator implements NoBatchifyTranslator<FeatureBatch, ModelOutput> {
  private final boolean refuseDicts;
  private final TextInput text;
  private final java.util.List<ModelInput> inputs;

  /** For ONNX models: their outputs are named, in the order the graph declares them. */
  FeatureBatchTranslator() {
    this(false, null, java.util.List.of());
  }

  /**
   * @param refuseDicts true for TorchScript: DJL turns a dict output into tensors named by its keys
   *     in hash order, not the dict's, so its "first output" would be any one of them
   * @param text how a text model's rows carry ids and mask; null for numeric features
   * @param inputs the named inputs a row feeds, in order; empty for one float32 input
   */
  FeatureBatchTranslator(boolean refuseDicts, TextInput text, java.util.List<ModelInput> inputs) {
    this.refuseDicts = refuseDicts;
    this.text = text;
    this.inputs = inputs;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, FeatureBatch batch) {
    if (text != null) {
      return tokens(ctx, batch);
    }
    if (!inputs.isEmpty()) {
      return named(ctx, batch);
    }
    NDArray x =
        ctx.getNDManager()
            .create(
                FloatBuffer.wrap(batch.values(), 0, batch.rows() * batch.features()),
                new Shape(batch.rows(), batch.features()));
    return new NDList(x);
  }

  /**
   * One {@code [rows, width]} tensor per named input, of its type, from its columns of each row; in
   * the inputs' order (the order the model declares, checked at load).
   */
  private NDList named(TranslatorContext ctx, FeatureBatch batch) {
    int rows = batch.rows();
    float[] values = batch.values();
    int width = batch.features();
    NDList list = new NDList(inputs.size());
    int offset = 0;
    for (ModelInput input : inputs) {
      int w = input.width();
      Shape shape = new Shape(rows, w);
      NDArray array =
          switch (input.type()) {
            case FLOAT32 -> {
              float[] part = new float[rows * w];
              for (int r = 0; r < rows; r++) {
                System.arraycopy(values, r * width + offset, part, r * w, w);
              }
              yield ctx.getNDManager().create(part, shape);
            }
            case INT32 -> {
              int[] part = new int[rows * w];
              for (int r = 0; r < rows; r++) {
                for (int c = 0; c < w; c++) {
                  part[r * w + c] = (int) values[r * width + offset + c];
                }
              }
              yield ctx.getNDManager().create(part, shape);
            }
            case INT64 -> {
              long[] part = new long[rows * w];
              for (int r = 0; r < rows; r++) {
                for (int c = 0; c < w; c++) {
                  part[r * w + c] = (long) values[r * width + offset + c];
                }
              }
              yield ctx.getNDManager().create(part, shape);
            }
          };
      array.setName(input.name());
      list.add(array);
      offset += w;
    }
    return list;
  }

  /** The ids, then the mask if the model takes one, as int64 tensors of {@code [rows, length]}. */
  private NDList tokens(TranslatorContext ctx, FeatureBatch batch) {
    int rows = batch.rows();
    int length = text.maxLength();
    float[] values = batch.values();
    int width = batch.features();
    long[] ids = new long[rows * length];
    long[] mask = text.attentionMask() ? new long[rows * length] : null;
    for (int r = 0; r < rows; r++) {
      int base = r * width;
      for (int i = 0; i < length; i++) {
        ids[r * length + i] = (long) values[base + i];
      }
      if (mask != null) {
        for (int i = 0; i < length; i++) {
          mask[r * length + i] = (long) values[base + length + i];
        }
      }
    }
    Shape shape = new Shape(rows, length);
    NDList list = new NDList(ctx.getNDManager().create(ids, shape));
    if (mask != null) {
      list.add(ctx.getNDManager().create(mask, shape));
    }
    return list;
  }

  @Override
  public ModelOutput processOutput(TranslatorContext ctx, NDList list) {
    if (refuseDicts && list.size() > 1 && list.get(0).getName() != null) {
      java.util.List<String> keys = new java.util.ArrayList<>();
      for (NDArray a : list) {
        keys.add(a.getName());
      }
      java.util.Collections.sort(keys);
      throw new IllegalArgumentException(
          "the model returns a dict of "
              + list.size()
              + " tensors "
              + keys
              + ", which has no first output to score; return the tensor to score, or a tuple with"
              + " it first");
    }
    NDArray y = list.get(0);
    Shape shape = y.getShape();
    int rows = (int) shape.get(0);
    int width = shape.dimension() == 1 ? 1 : (int) (shape.size() / rows);
    return new ModelOutput(y.toFloatArray(), rows, width);
  }
}

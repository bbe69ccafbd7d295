package io.shardscore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Turns a {@link FeatureBatch} into the model's input, a single {@code [rows, features]} float
 * tensor or, for a text model, its int64 {@code [rows, length]} token ids (and attention mask), and
 * its first output tensor back into a {@link ModelOutput}. The batch is already a batch, so DJL's
 * batchifier is not used.
 */
final class FeatureBatchTranslator implements NoBatchifyTranslator<FeatureBatch, ModelOutput> {
  private final boolean refuseDicts;
  private final TextInput text;
  private final List<ModelInput> inputs;
  private final List<String> outputs;

  /** For ONNX models: their outputs are named, in the order the graph declares them. */
  FeatureBatchTranslator() {
    this(false, null, List.of(), List.of());
  }

  /**
   * @param refuseDicts true for TorchScript: DJL turns a dict output into tensors named by its keys
   *     in hash order, not the dict's, so its "first output" would be any one of them
   * @param text how a text model's rows carry ids and mask; null for numeric features
   * @param inputs the named inputs a row feeds, in order; empty for one float32 input
   * @param outputs the output tensors to return side by side (see {@link ModelSpec#outputs()});
   *     empty for the first output alone
   */
  FeatureBatchTranslator(
      boolean refuseDicts, TextInput text, List<ModelInput> inputs, List<String> outputs) {
    this.refuseDicts = refuseDicts;
    this.text = text;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, FeatureBatch batch) {
    if (text != null) {
      NDList list = tokens(ctx, batch);
      // A text model's named inputs follow its ids (and mask) in each row and in the model.
      if (!inputs.isEmpty()) {
        list.addAll(named(ctx, batch, text.width()));
      }
      return list;
    }
    if (!inputs.isEmpty()) {
      return named(ctx, batch, 0);
    }
    NDArray x =
        ctx.getNDManager()
            .create(
                FloatBuffer.wrap(batch.values(), 0, batch.rows() * batch.features()),
                new Shape(batch.rows(), batch.features()));
    return new NDList(x);
  }

  /** The selected output tensors side by side in each row, the primary one first. */
  private ModelOutput selected(NDList list) {
    int n = outputs.size();
    float[][] parts = new float[n][];
    int[] widths = new int[n];
    int rows = -1;
    for (int i = 0; i < n; i++) {
      NDArray y = find(list, outputs.get(i));
      Shape shape = y.getShape();
      int r = shape.dimension() == 0 ? 1 : (int) shape.get(0);
      if (rows >= 0 && r != rows) {
        throw new IllegalArgumentException(
            "output '" + outputs.get(i) + "' has " + r + " rows, the first selected one " + rows);
      }
      rows = r;
      widths[i] = shape.dimension() <= 1 ? 1 : (int) (shape.size() / Math.max(1, r));
      parts[i] = y.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }
    int width = 0;
    for (int w : widths) {
      width += w;
    }
    float[] values = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      int at = r * width;
      for (int i = 0; i < n; i++) {
        System.arraycopy(parts[i], r * widths[i], values, at, widths[i]);
        at += widths[i];
      }
    }
    return new ModelOutput(values, rows, width, widths);
  }

  /**
   * The output called {@code name}: by its name (ONNX), by its position ({@code 0}, {@code 1}, ...
   * of a TorchScript tuple), or the first for {@code ""}.
   */
  private static NDArray find(NDList list, String name) {
    if (name.isEmpty()) {
      return list.get(0);
    }
    List<String> names = new ArrayList<>();
    for (NDArray a : list) {
      if (name.equals(a.getName())) {
        return a;
      }
      names.add(a.getName());
    }
    if (name.matches("\\d+")) {
      int i = Integer.parseInt(name);
      if (i < list.size() && names.stream().allMatch(Objects::isNull)) {
        return list.get(i);
      }
    }
    boolean named = names.stream().anyMatch(Objects::nonNull);
    throw new IllegalArgumentException(
        "the model has no output '"
            + name
            + "'; its outputs are "
            + (named
                ? names.toString()
                : list.size() + " unnamed tensors, 0 to " + (list.size() - 1))
            + "");
  }

  /**
   * One {@code [rows, width]} tensor per named input, of its type, from its columns of each row
   * from {@code start}; in the inputs' order (the order the model declares, checked at load).
   */
  private NDList named(TranslatorContext ctx, FeatureBatch batch, int start) {
    int rows = batch.rows();
    float[] values = batch.values();
    int width = batch.features();
    NDList list = new NDList(inputs.size());
    int offset = start;
    for (ModelInput input : inputs) {
      if (input.sequence()) {
        sequence(ctx, values, rows, width, offset, input, list);
        offset += input.width();
        continue;
      }
      int w = input.maxLength();
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
            case FLOAT64 -> {
              double[] part = new double[rows * w];
              for (int r = 0; r < rows; r++) {
                for (int c = 0; c < w; c++) {
                  part[r * w + c] = InputType.carried(values, r * width + offset + 3 * c);
                }
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
      offset += input.width();
    }
    return list;
  }

  /**
   * A sequence input's tensor {@code [rows, longest]}, padded with zeros to the longest row of this
   * batch (at least 1), then its mask of the same shape if the model takes one. A row carries its
   * length, then its values padded with zeros to the input's maximum length.
   */
  private static void sequence(
      TranslatorContext ctx,
      float[] values,
      int rows,
      int width,
      int offset,
      ModelInput input,
      NDList list) {
    int longest = 1;
    for (int r = 0; r < rows; r++) {
      longest = Math.max(longest, (int) values[r * width + offset]);
    }
    Shape shape = new Shape(rows, longest);
    int n = rows * longest;
    NDArray array =
        switch (input.type()) {
          case FLOAT32 -> {
            float[] part = new float[n];
            for (int r = 0; r < rows; r++) {
              System.arraycopy(values, r * width + offset + 1, part, r * longest, longest);
            }
            yield ctx.getNDManager().create(part, shape);
          }
          case FLOAT64 -> {
            double[] part = new double[n];
            for (int r = 0; r < rows; r++) {
              int base = r * width + offset + 1;
              for (int c = 0; c < longest; c++) {
                part[r * longest + c] = InputType.carried(values, base + 3 * c);
              }
            }
            yield ctx.getNDManager().create(part, shape);
          }
          case INT32 -> {
            int[] part = new int[n];
            for (int r = 0; r < rows; r++) {
              int base = r * width + offset + 1;
              for (int c = 0; c < longest; c++) {
                part[r * longest + c] = (int) values[base + c];
              }
            }
            yield ctx.getNDManager().create(part, shape);
          }
          case INT64 -> {
            long[] part = new long[n];
            for (int r = 0; r < rows; r++) {
              int base = r * width + offset + 1;
              for (int c = 0; c < longest; c++) {
                part[r * longest + c] = (long) values[base + c];
              }
            }
            yield ctx.getNDManager().create(part, shape);
          }
        };
    array.setName(input.name());
    list.add(array);
    if (input.mask() == null) {
      return;
    }
    NDArray mask =
        switch (input.maskType()) {
          case FLOAT64 -> {
            double[] m = new double[n];
            for (int r = 0; r < rows; r++) {
              java.util.Arrays.fill(
                  m, r * longest, r * longest + length(values, r, width, offset), 1d);
            }
            yield ctx.getNDManager().create(m, shape);
          }
          case FLOAT32 -> {
            float[] m = new float[n];
            for (int r = 0; r < rows; r++) {
              java.util.Arrays.fill(
                  m, r * longest, r * longest + length(values, r, width, offset), 1f);
            }
            yield ctx.getNDManager().create(m, shape);
          }
          case INT32 -> {
            int[] m = new int[n];
            for (int r = 0; r < rows; r++) {
              java.util.Arrays.fill(
                  m, r * longest, r * longest + length(values, r, width, offset), 1);
            }
            yield ctx.getNDManager().create(m, shape);
          }
          case INT64 -> {
            long[] m = new long[n];
            for (int r = 0; r < rows; r++) {
              java.util.Arrays.fill(
                  m, r * longest, r * longest + length(values, r, width, offset), 1L);
            }
            yield ctx.getNDManager().create(m, shape);
          }
        };
    mask.setName(input.mask());
    list.add(mask);
  }

  private static int length(float[] values, int row, int width, int offset) {
    return (int) values[row * width + offset];
  }

  /** The ids, then the mask if the model takes one, as int64 tensors of {@code [rows, length]}. */
  private NDList tokens(TranslatorContext ctx, FeatureBatch batch) {
    int rows = batch.rows();
    int max = text.maxLength();
    float[] values = batch.values();
    int width = batch.features();
    // Padded to the longest row of this batch (at least 1 token), or to the maximum.
    int length = text.padLongest() ? 1 : max;
    for (int r = 0; r < rows && text.padLongest(); r++) {
      length = Math.max(length, (int) values[r * width + text.width() - 1]);
    }
    long[] ids = new long[rows * length];
    long[] mask = text.attentionMask() ? new long[rows * length] : null;
    for (int r = 0; r < rows; r++) {
      int base = r * width;
      for (int i = 0; i < length; i++) {
        ids[r * length + i] = (long) values[base + i];
      }
      if (mask != null) {
        for (int i = 0; i < length; i++) {
          mask[r * length + i] = (long) values[base + max + i];
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
    if (!outputs.isEmpty()) {
      return selected(list);
    }
    if (refuseDicts && list.size() > 1 && list.get(0).getName() != null) {
      List<String> keys = new ArrayList<>();
      for (NDArray a : list) {
        keys.add(a.getName());
      }
      Collections.sort(keys);
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

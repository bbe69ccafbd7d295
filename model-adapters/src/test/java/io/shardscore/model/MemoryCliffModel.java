package io.shardscore.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An MLP whose working memory falls off a cliff: a call of up to {@code rowsThatFit} rows needs a
 * few bytes of scratch space, a bigger call asks ONNX Runtime's allocator for 2^60 bytes, more than
 * any machine's address space, so the engine fails with its real out-of-memory error (no cap, no
 * fake). The predictions are the MLP's own.
 */
final class MemoryCliffModel {
  private static final long HUGE = 1L << 58; // floats: 2^60 bytes

  private MemoryCliffModel() {}

  static void write(Mlp mlp, int rowsThatFit, Path file) throws IOException {
    ModelProto plain = OnnxMlpWriter.toProto(mlp);
    GraphProto.Builder g = plain.getGraph().toBuilder();
    for (int i = 0; i < g.getNodeCount(); i++) {
      if (g.getNode(i).getOutput(0).equals(OnnxMlpWriter.OUTPUT)) {
        g.setNode(i, g.getNode(i).toBuilder().setOutput(0, "mlp_out"));
      }
    }
    int cap = rowsThatFit + 1;
    TensorProto.Builder table =
        TensorProto.newBuilder()
            .setName("scratch_by_rows")
            .setDataType(TensorProto.DataType.INT64.getNumber())
            .addDims(cap + 1);
    for (int rows = 0; rows <= cap; rows++) {
      table.addInt64Data(rows <= rowsThatFit ? 1 : HUGE);
    }
    g.addInitializer(table);
    g.addInitializer(int64("zero_index", 0, false));
    g.addInitializer(int64("cap", cap, false));
    g.addInitializer(int64("axis0", 0, true));
    g.addNode(node("Shape", "shape", OnnxMlpWriter.INPUT));
    g.addNode(node("Gather", "rows", "shape", "zero_index"));
    g.addNode(node("Min", "capped", "rows", "cap"));
    g.addNode(node("Gather", "scratch_size", "scratch_by_rows", "capped"));
    g.addNode(node("Unsqueeze", "scratch_shape", "scratch_size", "axis0"));
    g.addNode(
        node("ConstantOfShape", "scratch", "scratch_shape").toBuilder()
            .addAttribute(
                AttributeProto.newBuilder()
                    .setName("value")
                    .setType(AttributeProto.AttributeType.TENSOR)
                    .setT(
                        TensorProto.newBuilder()
                            .setDataType(TensorProto.DataType.FLOAT.getNumber())
                            .addDims(1)
                            .addFloatData(0f)))
            .build());
    g.addNode(
        node("ReduceSum", "scratch_sum", "scratch").toBuilder()
            .addAttribute(
                AttributeProto.newBuilder()
                    .setName("keepdims")
                    .setType(AttributeProto.AttributeType.INT)
                    .setI(0))
            .build());
    g.addNode(node("Add", OnnxMlpWriter.OUTPUT, "mlp_out", "scratch_sum"));
    ModelProto model = plain.toBuilder().setGraph(g).build();
    try (OutputStream out = Files.newOutputStream(file)) {
      model.writeTo(out);
    }
  }

  private static TensorProto int64(String name, long value, boolean vector) {
    TensorProto.Builder t =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64.getNumber());
    if (vector) {
      t.addDims(1);
    }
    return t.addInt64Data(value).build();
  }

  private static NodeProto node(String op, String output, String... inputs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
    for (String in : inputs) {
      n.addInput(in);
    }
    return n.build();
  }
}

package io.shardscore.model.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an {@link Mlp} as an ONNX model (opset 13): input {@code features [batch, n]} float,
 * output {@code probabilities [batch, classes]}, built from Gemm, Relu and Softmax nodes.
 */
public final class OnnxMlpWriter {
  public static final String INPUT = "features";
  public static final String OUTPUT = "probabilities";

  private OnnxMlpWriter() {}

  public static void write(Mlp mlp, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      toProto(mlp).writeTo(out);
    }
  }

  /**
   * Writes the model with every weight and bias in one external-data file, as ONNX's {@code
   * save_model(..., save_as_external_data=True, location=...)} does: the model file keeps the graph
   * and, per initializer, {@code data_location: EXTERNAL} with its {@code location}, {@code offset}
   * and {@code length} in {@code weights} (a path relative to the model's folder, little-endian
   * floats). Networks of the same shape give the same model file bytes; only the weights file
   * differs.
   */
  public static void writeWithExternalData(Mlp mlp, Path file, String weights) throws IOException {
    ModelProto plain = toProto(mlp);
    GraphProto.Builder graph = plain.getGraph().toBuilder();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto t = graph.getInitializer(i);
      ByteBuffer raw =
          ByteBuffer.allocate(t.getFloatDataCount() * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : t.getFloatDataList()) {
        raw.putFloat(v);
      }
      long offset = data.size();
      data.write(raw.array());
      graph.setInitializer(
          i,
          t.toBuilder()
              .clearFloatData()
              .setDataLocation(TensorProto.DataLocation.EXTERNAL)
              .addExternalData(entry("location", weights))
              .addExternalData(entry("offset", Long.toString(offset)))
              .addExternalData(entry("length", Integer.toString(raw.capacity()))));
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path side = dir.resolve(weights);
    Files.createDirectories(side.getParent());
    Files.write(side, data.toByteArray());
    try (OutputStream out = Files.newOutputStream(file)) {
      plain.toBuilder().setGraph(graph).build().writeTo(out);
    }
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  public static ModelProto toProto(Mlp mlp) {
    GraphProto.Builder graph = GraphProto.newBuilder().setName("shardscore_mlp");
    graph.addInput(floatMatrix(INPUT, mlp.inputs()));
    String previous = INPUT;
    for (int l = 0; l < mlp.layers().size(); l++) {
      DenseLayer layer = mlp.layers().get(l);
      String w = "W" + l;
      String b = "b" + l;
      graph.addInitializer(tensor(w, layer.weights(), layer.inputs(), layer.outputs()));
      graph.addInitializer(tensor(b, layer.bias(), layer.outputs()));
      String linear = "linear" + l;
      graph.addNode(
          NodeProto.newBuilder()
              .setOpType("Gemm")
              .setName("gemm" + l)
              .addInput(previous)
              .addInput(w)
              .addInput(b)
              .addOutput(linear));
      if (l + 1 < mlp.layers().size()) {
        String relu = "relu" + l;
        graph.addNode(
            NodeProto.newBuilder()
                .setOpType("Relu")
                .setName(relu)
                .addInput(linear)
                .addOutput(relu));
        previous = relu;
      } else {
        previous = linear;
      }
    }
    graph.addNode(
        NodeProto.newBuilder()
            .setOpType("Softmax")
            .setName("softmax")
            .addInput(previous)
            .addOutput(OUTPUT)
            .addAttribute(
                AttributeProto.newBuilder()
                    .setName("axis")
                    .setType(AttributeProto.AttributeType.INT)
                    .setI(1)));
    graph.addOutput(floatMatrix(OUTPUT, mlp.classes()));
    return ModelProto.newBuilder()
        .setIrVersion(7)
        .setProducerName("shardscore")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(graph)
        .build();
  }

  private static ValueInfoProto floatMatrix(String name, int width) {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
            .build();
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  private static TensorProto tensor(String name, float[] values, long... dims) {
    TensorProto.Builder t =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber());
    for (long d : dims) {
      t.addDims(d);
    }
    for (float v : values) {
      t.addFloatData(v);
    }
    return t.build();
  }
}

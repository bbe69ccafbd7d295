package io.shardscore.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TrainingInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.TreeSet;

/**
 * The external-data files an ONNX model refers to: the {@code location} of every tensor stored
 * outside the model file ({@code data_location: EXTERNAL}), in graph initializers, sparse
 * initializers, node attributes, subgraphs (If, Loop, Scan bodies), functions and training info.
 *
 * <p>Reads the protobuf wire format as a stream and skips everything else without keeping it, so a
 * model with gigabytes of inline weights is scanned in constant memory.
 */
final class OnnxExternalData {
  private static final int MAX_DEPTH = 64;

  private OnnxExternalData() {}

  /**
   * The locations, as written in the model, sorted and without duplicates.
   *
   * @throws InvalidProtocolBufferException when the bytes are not an ONNX model
   */
  static Set<String> locations(InputStream model) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(model);
    in.setSizeLimit(Integer.MAX_VALUE);
    Set<String> found = new TreeSet<>();
    new OnnxExternalData.Scan(in, found).model();
    return found;
  }

  private record Scan(CodedInputStream in, Set<String> found) {
    void model() throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (field(tag)) {
          case ModelProto.GRAPH_FIELD_NUMBER -> nested(tag, 0, this::graph);
          case ModelProto.FUNCTIONS_FIELD_NUMBER -> nested(tag, 0, this::function);
          case ModelProto.TRAINING_INFO_FIELD_NUMBER -> nested(tag, 0, this::trainingInfo);
          default -> in.skipField(tag);
        }
      }
    }

    private void graph(int depth) throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (field(tag)) {
          case GraphProto.INITIALIZER_FIELD_NUMBER -> nested(tag, depth, this::tensor);
          case GraphProto.SPARSE_INITIALIZER_FIELD_NUMBER -> nested(tag, depth, this::sparse);
          case GraphProto.NODE_FIELD_NUMBER -> nested(tag, depth, this::node);
          default -> in.skipField(tag);
        }
      }
    }

    private void function(int depth) throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (field(tag) == FunctionProto.NODE_FIELD_NUMBER) {
          nested(tag, depth, this::node);
        } else {
          in.skipField(tag);
        }
      }
    }

    private void trainingInfo(int depth) throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (field(tag)) {
          case TrainingInfoProto.INITIALIZATION_FIELD_NUMBER,
              TrainingInfoProto.ALGORITHM_FIELD_NUMBER ->
              nested(tag, depth, this::graph);
          default -> in.skipField(tag);
        }
      }
    }

    private void node(int depth) throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (field(tag) == NodeProto.ATTRIBUTE_FIELD_NUMBER) {
          nested(tag, depth, this::attribute);
        } else {
          in.skipField(tag);
        }
      }
    }

    private void attribute(int depth) throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (field(tag)) {
          case AttributeProto.T_FIELD_NUMBER, AttributeProto.TENSORS_FIELD_NUMBER ->
              nested(tag, depth, this::tensor);
          case AttributeProto.SPARSE_TENSOR_FIELD_NUMBER,
              AttributeProto.SPARSE_TENSORS_FIELD_NUMBER ->
              nested(tag, depth, this::sparse);
          case AttributeProto.G_FIELD_NUMBER, AttributeProto.GRAPHS_FIELD_NUMBER ->
              nested(tag, depth, this::graph);
          default -> in.skipField(tag);
        }
      }
    }

    private void sparse(int depth) throws IOException {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (field(tag)) {
          case SparseTensorProto.VALUES_FIELD_NUMBER, SparseTensorProto.INDICES_FIELD_NUMBER ->
              nested(tag, depth, this::tensor);
          default -> in.skipField(tag);
        }
      }
    }

    private void tensor(int depth) throws IOException {
      String location = null;
      boolean external = false;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int field = field(tag);
        if (field == TensorProto.EXTERNAL_DATA_FIELD_NUMBER
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          String[] entry = entry();
          if ("location".equals(entry[0])) {
            location = entry[1];
          }
        } else if (field == TensorProto.DATA_LOCATION_FIELD_NUMBER
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
          external = in.readEnum() == TensorProto.DataLocation.EXTERNAL_VALUE;
        } else {
          in.skipField(tag);
        }
      }
      // As ONNX Runtime reads it: external data only where data_location says EXTERNAL.
      if (external && location != null) {
        found.add(location);
      }
    }

    private String[] entry() throws IOException {
      String[] kv = new String[2];
      int limit = in.pushLimit(in.readRawVarint32());
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (field(tag)) {
          case StringStringEntryProto.KEY_FIELD_NUMBER -> kv[0] = in.readStringRequireUtf8();
          case StringStringEntryProto.VALUE_FIELD_NUMBER -> kv[1] = in.readStringRequireUtf8();
          default -> in.skipField(tag);
        }
      }
      in.popLimit(limit);
      return kv;
    }

    /** Scans one embedded message with {@code body}, or skips a field of another wire type. */
    private void nested(int tag, int depth, Body body) throws IOException {
      if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        in.skipField(tag);
        return;
      }
      if (depth >= MAX_DEPTH) {
        throw new InvalidProtocolBufferException(
            "ONNX graphs nested deeper than " + MAX_DEPTH + " levels");
      }
      int limit = in.pushLimit(in.readRawVarint32());
      body.scan(depth + 1);
      in.popLimit(limit);
    }

    private static int field(int tag) {
      return WireFormat.getTagFieldNumber(tag);
    }
  }

  @FunctionalInterface
  private interface Body {
    void scan(int depth) throws IOException;
  }
}

package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model digests, with ONNX external-data files; the models are scored by real ONNX Runtime. */
class ModelDigestTest {
  private static final float[] ROW = {0.3f, -1.2f, 0.8f, 2f};

  @TempDir Path dir;

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void changingTheWeightsFileChangesTheDigestThoughTheModelFileIsTheSame() throws Exception {
    Path model = dir.resolve("m").resolve("model.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(1, 4, 8, 3), model, "model.weights");
    byte[] graph = Files.readAllBytes(model);
    String first = ModelDigest.of(model);
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(2, 4, 8, 3), model, "model.weights");
    assertArrayEquals(graph, Files.readAllBytes(model), "only the weights file changed");
    String second = ModelDigest.of(model);
    assertNotEquals(first, second);
    assertEquals(64, second.length());
    assertNotEquals(sha256(graph), second, "the weights are part of the digest");
    assertEquals(second, ModelDigest.of(model), "the same files give the same digest");
  }

  @Test
  void aRunAfterTheWeightsChangedScoresWithTheNewWeights() throws Exception {
    Path model = dir.resolve("inc").resolve("model.onnx");
    Mlp before = Mlp.seeded(3, 4, 8, 3);
    Mlp after = Mlp.seeded(4, 4, 8, 3);
    OnnxMlpWriter.writeWithExternalData(before, model, "weights/model.bin");
    assertEquals(before.predict(ROW)[0], score(model), 1e-5);
    OnnxMlpWriter.writeWithExternalData(after, model, "weights/model.bin");
    assertEquals(after.predict(ROW)[0], score(model), 1e-5, "not the model cached for the old");
  }

  private static double score(Path model) {
    ModelSpec spec =
        new ModelSpec(model.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(model), 4);
    try (ScoringSession s =
        ModelRegistry.acquire(spec, () -> model, EngineSettings.forTaskCpus(1)).newSession()) {
      return s.predict(new FeatureBatch(ROW, 1, 4)).get(0, 0);
    }
  }

  @Test
  void aMissingWeightsFileFailsWithItsNameAndWhereItWasLookedFor() throws Exception {
    Path model = dir.resolve("gone").resolve("model.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(5, 4, 3), model, "model.weights");
    Files.delete(model.resolveSibling("model.weights"));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelDigest.of(model));
    assertTrue(e.getMessage().contains("'model.weights'"), e.getMessage());
    assertTrue(
        e.getMessage().contains(model.resolveSibling("model.weights").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void aWeightsFileOutsideTheModelsFolderIsRefused() throws Exception {
    Path model = dir.resolve("inner").resolve("model.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(6, 4, 3), model, "../outside.bin");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelDigest.of(model));
    assertTrue(e.getMessage().contains("'../outside.bin'"), e.getMessage());
    assertTrue(e.getMessage().contains("not a path inside the model's folder"), e.getMessage());
  }

  @Test
  void modelsWithoutExternalDataAndOtherBytesKeepThePlainSha256() throws Exception {
    Path model = dir.resolve("plain.onnx");
    OnnxMlpWriter.write(Mlp.seeded(7, 4, 3), model);
    byte[] bytes = Files.readAllBytes(model);
    assertEquals(sha256(bytes), ModelDigest.of(model));
    assertEquals(sha256(bytes), ModelDigest.of(new ByteArrayInputStream(bytes)));
    byte[] noise = new byte[10_000];
    new SplittableRandom(1).nextBytes(noise);
    Path other = dir.resolve("noise.bin");
    Files.write(other, noise);
    assertEquals(sha256(noise), ModelDigest.of(other), "bytes that are not ONNX");
    Path truncated = dir.resolve("truncated.onnx");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertEquals(
        sha256(java.util.Arrays.copyOf(bytes, bytes.length / 2)), ModelDigest.of(truncated));
  }

  /** A tensor whose data lives in {@code location} (or only claims to, when not external). */
  private static TensorProto external(String name, String location, boolean external) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .addDims(2)
            .addExternalData(
                StringStringEntryProto.newBuilder().setKey("location").setValue(location));
    if (external) {
      t.setDataLocation(TensorProto.DataLocation.EXTERNAL);
    }
    return t.build();
  }

  @Test
  void externalTensorsAnywhereInTheModelCountAndOnlyThose() throws Exception {
    GraphProto thenBranch =
        GraphProto.newBuilder()
            .setName("then")
            .addNode(
                NodeProto.newBuilder()
                    .setOpType("Constant")
                    .addOutput("k")
                    .addAttribute(
                        AttributeProto.newBuilder()
                            .setName("value")
                            .setType(AttributeProto.AttributeType.TENSOR)
                            .setT(external("k", "deep/const.bin", true))))
            .build();
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("g")
            .addInitializer(external("w", "w.bin", true))
            .addInitializer(external("w_again", "./w.bin", true))
            .addInitializer(external("claims", "not-external.bin", false))
            .addSparseInitializer(
                SparseTensorProto.newBuilder()
                    .setValues(external("sv", "sparse.bin", true))
                    .setIndices(
                        TensorProto.newBuilder()
                            .setDataType(TensorProto.DataType.INT64.getNumber())
                            .addDims(1)
                            .addInt64Data(0)))
            .addNode(
                NodeProto.newBuilder()
                    .setOpType("If")
                    .addInput("cond")
                    .addAttribute(
                        AttributeProto.newBuilder()
                            .setName("then_branch")
                            .setType(AttributeProto.AttributeType.GRAPH)
                            .setG(thenBranch)))
            .build();
    Path model = dir.resolve("deep").resolve("model.onnx");
    Files.createDirectories(model.resolveSibling("deep"));
    ModelProto.newBuilder()
        .setIrVersion(8)
        .setGraph(graph)
        .build()
        .writeTo(Files.newOutputStream(model));
    for (String f : List.of("w.bin", "sparse.bin", "deep/const.bin")) {
      Files.write(model.resolveSibling(f), new byte[] {1, 2, 3});
    }
    String digest = ModelDigest.of(model);
    try (InputStream in = Files.newInputStream(model)) {
      assertEquals(
          List.of("deep/const.bin", "sparse.bin", "w.bin"),
          ModelDigest.sideFiles(ModelEngine.ONNX_RUNTIME, in, model.toString()),
          "each file once, and not the tensor that is not external");
    }
    for (String f : List.of("w.bin", "sparse.bin", "deep/const.bin")) {
      Files.write(model.resolveSibling(f), new byte[] {1, 2, 4});
      String changed = ModelDigest.of(model);
      assertNotEquals(digest, changed, f + " is part of the digest");
      digest = changed;
    }
  }

  @Test
  void filesOnAnyStoreAreReadOnceEachAndGiveTheLocalDigest() throws Exception {
    Path model = dir.resolve("store").resolve("model.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(8, 4, 16, 3), model, "model.weights");
    List<String> opened = new ArrayList<>();
    ModelFiles store =
        new ModelFiles() {
          @Override
          public InputStream openModel() throws IOException {
            opened.add("model");
            return Files.newInputStream(model);
          }

          @Override
          public InputStream openSideFile(String relativePath) throws IOException {
            opened.add(relativePath);
            return Files.newInputStream(model.resolveSibling(relativePath));
          }

          @Override
          public String modelLocation() {
            return "store://models/model.onnx";
          }

          @Override
          public String sideFileLocation(String relativePath) {
            return "store://models/" + relativePath;
          }
        };
    assertEquals(ModelDigest.of(model), ModelDigest.of(ModelEngine.ONNX_RUNTIME, store));
    assertEquals(List.of("model", "model.weights"), opened);
  }
}

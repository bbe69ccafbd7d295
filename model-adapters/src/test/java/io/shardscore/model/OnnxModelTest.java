package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtEnvironment;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelTest {
  @TempDir Path dir;

  private static ModelSpec spec(Path file, int width) {
    return new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), width);
  }

  @Test
  void onnxRuntimeThroughDjlMatchesTheNetworkComputedInJava() throws IOException {
    Mlp mlp = Mlp.seeded(11, 7, 16, 8, 3);
    Path file = dir.resolve("m.onnx");
    OnnxMlpWriter.write(mlp, file);
    LoadedModel model =
        ModelRegistry.acquire(spec(file, 7), () -> file, EngineSettings.forTaskCpus(1));
    SplittableRandom random = new SplittableRandom(3);
    try (ScoringSession session = model.newSession()) {
      for (int rows : new int[] {1, 5, 64}) {
        float[] x = new float[rows * 7];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) (random.nextDouble() * 4 - 2);
        }
        ModelOutput out = session.predict(new FeatureBatch(x, rows, 7));
        assertEquals(rows, out.rows());
        assertEquals(3, out.width());
        for (int r = 0; r < rows; r++) {
          float[] row = new float[7];
          System.arraycopy(x, r * 7, row, 0, 7);
          double[] expected = mlp.predict(row);
          for (int c = 0; c < 3; c++) {
            assertEquals(expected[c], out.get(r, c), 1e-5, "row " + r + " class " + c);
          }
        }
      }
    }
  }

  @Test
  void manyThreadsAcquiringOneModelLoadItOnce() throws Exception {
    Path file = dir.resolve("shared.onnx");
    OnnxMlpWriter.write(Mlp.seeded(99, 4, 4, 2), file);
    ModelSpec spec = spec(file, 4);
    int before = ModelRegistry.loadCount();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ModelOutput>> results = new ArrayList<>();
      for (int t = 0; t < 32; t++) {
        results.add(
            pool.submit(
                () -> {
                  LoadedModel m =
                      ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
                  try (ScoringSession s = m.newSession()) {
                    return s.predict(new FeatureBatch(new float[] {1, 2, 3, 4}, 1, 4));
                  }
                }));
      }
      float first = results.get(0).get().get(0, 0);
      for (Future<ModelOutput> f : results) {
        assertEquals(first, f.get().get(0, 0));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(before + 1, ModelRegistry.loadCount());
    assertTrue(ModelRegistry.loaded().contains(spec.digest() + "@cpu()"));
  }

  @Test
  void aModelFileReplacedAfterPlanningIsRefused() throws IOException {
    Path file = dir.resolve("swapped.onnx");
    OnnxMlpWriter.write(Mlp.seeded(1, 4, 2), file);
    ModelSpec planned = spec(file, 4);
    OnnxMlpWriter.write(Mlp.seeded(2, 4, 2), file);
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () -> ModelRegistry.acquire(planned, () -> file, EngineSettings.forTaskCpus(1)));
    assertTrue(e.getMessage().contains("changed while the job ran"), e.getMessage());
  }

  @Test
  void aTruncatedModelFileFailsWithTheFileNamed() throws IOException {
    Path good = dir.resolve("good.onnx");
    OnnxMlpWriter.write(Mlp.seeded(5, 6, 8, 2), good);
    byte[] bytes = Files.readAllBytes(good);
    Path truncated = dir.resolve("truncated.onnx");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                ModelRegistry.acquire(
                    spec(truncated, 6), () -> truncated, EngineSettings.forTaskCpus(1)));
    assertTrue(e.getMessage().contains("truncated.onnx"), e.getMessage());
  }

  /** A valid model rewritten as a newer exporter would write it: a higher IR version or opset. */
  private static Path newerModel(Path dir, String name, long irVersion, long opset)
      throws IOException {
    Path good = dir.resolve("base-" + name);
    OnnxMlpWriter.write(Mlp.seeded(5, 6, 8, 2), good);
    ModelProto.Builder proto = ModelProto.parseFrom(Files.readAllBytes(good)).toBuilder();
    if (irVersion > 0) {
      proto.setIrVersion(irVersion);
    }
    if (opset > 0) {
      proto.setOpsetImport(0, proto.getOpsetImport(0).toBuilder().setVersion(opset));
    }
    Path file = dir.resolve(name);
    Files.write(file, proto.build().toByteArray());
    return file;
  }

  private static ModelLoadException loadFails(Path file) {
    return assertThrows(
        ModelLoadException.class,
        () -> ModelRegistry.acquire(spec(file, 6), () -> file, EngineSettings.forTaskCpus(1)));
  }

  @Test
  void aModelOfANewerIrVersionKeepsTheEnginesReasonAndNamesTheRuntimeAndTheFix()
      throws IOException {
    ModelLoadException e = loadFails(newerModel(dir, "ir12.onnx", 12, 0));
    String m = e.getMessage();
    assertTrue(m.contains("ir12.onnx"), m);
    assertTrue(m.contains("Unsupported model IR version: 12"), m);
    assertTrue(m.contains("ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion()), m);
    assertTrue(m.contains("Re-export the model"), m);
    assertTrue(m.contains("ir_version"), m);
    assertTrue(m.contains("opset_version="), m);
    assertFalse(m.contains("complete ONNX model"), m);
    assertFalse(m.contains("shardscore-models"), "the user's path, not the cached copy: " + m);
  }

  @Test
  void aModelOfANewerOpsetKeepsTheEnginesReasonAndNamesTheRuntimeAndTheFix() throws IOException {
    ModelLoadException e = loadFails(newerModel(dir, "opset99.onnx", 0, 99));
    String m = e.getMessage();
    assertTrue(m.contains("opset99.onnx"), m);
    assertTrue(m.contains("Opset 99"), m);
    assertTrue(m.contains("ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion()), m);
    assertTrue(m.contains("Re-export the model"), m);
    assertFalse(m.contains("complete ONNX model"), m);
  }

  @Test
  void aFileThatIsNotAModelStillGetsTheCompleteModelAdvice() throws IOException {
    Path garbage = dir.resolve("garbage.onnx");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    String m = loadFails(garbage).getMessage();
    assertTrue(m.contains("garbage.onnx") && m.contains("complete ONNX model"), m);
    assertFalse(m.contains("Re-export"), m);
  }

  @Test
  void aBatchOfTheWrongWidthIsRejectedByTheEngine() throws IOException {
    Path file = dir.resolve("narrow.onnx");
    OnnxMlpWriter.write(Mlp.seeded(8, 3, 2), file);
    // The spec claims 5 features; the model takes 3.
    LoadedModel m = ModelRegistry.acquire(spec(file, 5), () -> file, EngineSettings.forTaskCpus(1));
    try (ScoringSession s = m.newSession()) {
      assertThrows(InferenceException.class, () -> s.predict(new FeatureBatch(new float[5], 1, 5)));
    }
  }

  @Test
  void unknownEnginesAreRejectedWithTheSupportedOnesListed() {
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> ModelEngine.parse("TensorFlow", "engine"));
    assertTrue(e.getMessage().contains("'TensorFlow'") && e.getMessage().contains("OnnxRuntime"));
    assertTrue(e.getMessage().startsWith("engine is 'TensorFlow'"), e.getMessage());
    assertEquals(ModelEngine.ONNX_RUNTIME, ModelEngine.parse("onnxruntime", "engine"));
  }
}

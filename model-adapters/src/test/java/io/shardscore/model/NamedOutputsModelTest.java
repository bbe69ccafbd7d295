package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model of two outputs, an embedding [batch, 8] then class probabilities [batch, 3], written by
 * {@code torch/make_two_outputs.py} with Debian's python3-torch as TorchScript (a tuple) and ONNX
 * (named outputs): selected by name or position, side by side in each row, primary first, against
 * PyTorch's values (tolerance 1e-5), also through the batching queue and the OOM back-off.
 */
class NamedOutputsModelTest {
  @TempDir static Path dir;
  static float[] rows;
  static double[] probabilities;
  static double[] embeddings;
  static int n;

  @BeforeAll
  static void make() throws IOException, InterruptedException {
    PythonScript.run("/torch/make_two_outputs.py", "python3-torch", dir);
    List<String> lines = Files.readAllLines(dir.resolve("rows.csv"));
    List<String> expected = Files.readAllLines(dir.resolve("expected.csv"));
    n = lines.size();
    rows = new float[n * 6];
    probabilities = new double[n * 3];
    embeddings = new double[n * 8];
    for (int r = 0; r < n; r++) {
      String[] f = lines.get(r).split(",");
      for (int c = 0; c < 6; c++) {
        rows[r * 6 + c] = Float.parseFloat(f[c + 1]);
      }
      String[] e = expected.get(r).split(",");
      for (int k = 0; k < 3; k++) {
        probabilities[r * 3 + k] = Double.parseDouble(e[1 + k]);
      }
      for (int k = 0; k < 8; k++) {
        embeddings[r * 8 + k] = Double.parseDouble(e[4 + k]);
      }
    }
  }

  private static LoadedModel acquire(String file, ModelEngine engine, List<String> outputs) {
    Path model = dir.resolve(file);
    ModelSpec spec =
        new ModelSpec(
            model.toString(),
            engine,
            ModelDigest.of(model, engine),
            6,
            OutputType.PROBABILITY,
            null,
            null,
            null,
            null,
            outputs);
    return ModelRegistry.acquire(spec, () -> model, EngineSettings.forTaskCpus(1));
  }

  private static void assertSideBySide(ModelOutput out) {
    assertEquals(n, out.rows());
    assertEquals(11, out.width());
    assertEquals(2, out.segmentCount());
    assertEquals(3, out.primaryWidth());
    assertEquals(3, out.segmentOffset(1));
    for (int r = 0; r < n; r++) {
      for (int k = 0; k < 3; k++) {
        assertEquals(probabilities[r * 3 + k], out.get(r, k), 1e-5, "row " + r);
      }
      for (int k = 0; k < 8; k++) {
        assertEquals(embeddings[r * 8 + k], out.get(r, 3 + k), 1e-5, "row " + r);
      }
      int best = 0;
      for (int k = 1; k < 3; k++) {
        best = probabilities[r * 3 + k] > probabilities[r * 3 + best] ? k : best;
      }
      assertEquals(best, out.argmax(r), "argmax over the primary output only");
    }
  }

  @Test
  void onnxOutputsAreSelectedByName() {
    try (ScoringSession s =
        acquire("two_outputs.onnx", ModelEngine.ONNX_RUNTIME, List.of("probabilities", "embedding"))
            .newSession()) {
      assertSideBySide(s.predict(new FeatureBatch(rows, n, 6)));
    }
  }

  @Test
  void torchScriptTupleOutputsAreSelectedByPosition() {
    try (ScoringSession s =
        acquire("two_outputs.pt", ModelEngine.PYTORCH, List.of("1", "0")).newSession()) {
      assertSideBySide(s.predict(new FeatureBatch(rows, n, 6)));
    }
  }

  @Test
  void theBatchingQueueKeepsTheOutputsOfEachCaller() throws Exception {
    LoadedModel model =
        acquire(
            "two_outputs.onnx", ModelEngine.ONNX_RUNTIME, List.of("probabilities", "embedding"));
    try (BatchModel queue = model.queueSession(new BatchingSettings(4096, 1), () -> false)) {
      assertSideBySide(queue.predict(new FeatureBatch(rows, n, 6)));
    }
  }

  @Test
  void anOutputTheModelDoesNotHaveIsRefusedAtLoadNamingItsOutputs() throws IOException {
    ModelLoadException onnx =
        assertThrows(
            ModelLoadException.class,
            () -> acquire("two_outputs.onnx", ModelEngine.ONNX_RUNTIME, List.of("logits")));
    assertTrue(
        onnx.getMessage()
            .contains("has no output 'logits'; its outputs are [embedding, probabilities]"),
        onnx.getMessage());
    Files.copy(dir.resolve("two_outputs.pt"), dir.resolve("three.pt"));
    ModelLoadException torch =
        assertThrows(
            ModelLoadException.class, () -> acquire("three.pt", ModelEngine.PYTORCH, List.of("2")));
    System.out.println("observed: " + torch.getMessage());
    assertTrue(
        torch.getMessage().contains("no output '2'; its outputs are 2 unnamed tensors, 0 to 1"),
        torch.getMessage());
  }
}

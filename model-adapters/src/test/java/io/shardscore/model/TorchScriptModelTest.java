package io.shardscore.model;

import static io.shardscore.model.TorchScriptTraining.CLASSES;
import static io.shardscore.model.TorchScriptTraining.FEATURES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript models through DJL's PyTorch engine (libtorch 2.7.1 from {@code pytorch-native-cpu},
 * offline), against the probabilities the PyTorch that traced them computed: tolerance 1e-5 (Python
 * ran torch 1.13, the engine libtorch 2.7.1, both in float32).
 */
class TorchScriptModelTest {
  private static final double TOLERANCE = 1e-5;

  @TempDir static Path dir;
  private static TorchScriptTraining traced;

  @BeforeAll
  static void trace() throws IOException, InterruptedException {
    traced = TorchScriptTraining.run(dir.resolve("torch"));
  }

  private static ModelSpec spec(Path file, int features) {
    return new ModelSpec(
        file.toString(), ModelEngine.PYTORCH, ModelDigest.of(file, ModelEngine.PYTORCH), features);
  }

  private static LoadedModel acquire(Path file, int features) {
    return ModelRegistry.acquire(spec(file, features), () -> file, EngineSettings.forTaskCpus(1));
  }

  private static float[] score(float[] rows) {
    Path file = traced.dir().resolve("model.pt");
    int n = rows.length / FEATURES;
    try (ScoringSession session = acquire(file, FEATURES).newSession()) {
      ModelOutput out = session.predict(new FeatureBatch(rows, n, FEATURES));
      assertEquals(n, out.rows());
      assertEquals(CLASSES, out.width());
      return out.values();
    }
  }

  @Test
  void aTracedModelPredictsWhatPyTorchComputed() {
    float[] got = score(traced.rows());
    Set<Float> distinct = new HashSet<>();
    for (int i = 0; i < got.length; i++) {
      assertEquals(traced.probabilities()[i], got[i], TOLERANCE, "value " + i);
      distinct.add(got[i]);
    }
    assertTrue(distinct.size() > 500, "predictions vary across rows: " + distinct.size());
  }

  @Test
  void swappedFeaturesDoNotMatchPyTorch() {
    float[] swapped = traced.rows().clone();
    for (int r = 0; r < traced.rowCount(); r++) {
      swapped[r * FEATURES] = traced.rows()[r * FEATURES + 2];
      swapped[r * FEATURES + 2] = traced.rows()[r * FEATURES];
    }
    float[] got = score(swapped);
    int off = 0;
    for (int r = 0; r < traced.rowCount(); r++) {
      if (Math.abs(traced.probabilities()[r * CLASSES] - got[r * CLASSES]) > TOLERANCE) {
        off++;
      }
    }
    assertTrue(off > traced.rowCount() / 2, "a wrong feature order changes most rows: " + off);
  }

  @Test
  void oneLoadServesEverySessionOfTheModel() {
    Path file = traced.dir().resolve("model.pt");
    try (LoadedModel first = acquire(file, FEATURES)) {
      int loads = ModelRegistry.loadCount();
      for (int i = 0; i < 4; i++) {
        try (ScoringSession s = acquire(file, FEATURES).newSession()) {
          assertEquals(1, s.predict(new FeatureBatch(new float[FEATURES], 1, FEATURES)).rows());
        }
      }
      assertEquals(loads, ModelRegistry.loadCount(), "no second load of the same digest");
    }
  }

  @Test
  void aSpecWithAnotherWidthIsRefusedAtLoadWithTheEnginesReason() throws IOException {
    Path copy = Files.copy(traced.dir().resolve("model.pt"), dir.resolve("width-5.pt"));
    // The same bytes as model.pt: whether loaded already or not, the spec's width is checked.
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> acquire(copy, 5));
    System.out.println("observed: " + e.getMessage());
    assertTrue(e.getMessage().contains("(PyTorch) fails on two rows of 5 float32"), e.getMessage());
    assertTrue(e.getMessage().contains("model.features"), e.getMessage());
  }

  @Test
  void aFloat64ModelIsRefusedAtLoadNamingTheDtype() {
    Path file = traced.dir().resolve("double.pt");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> acquire(file, FEATURES));
    System.out.println("observed: " + e.getMessage());
    assertTrue(e.getMessage().contains("(PyTorch) fails on two rows of 6 float32"), e.getMessage());
    assertTrue(e.getMessage().toLowerCase().contains("double"), e.getMessage());
  }

  @Test
  void filesThatAreNotTorchScriptAreRefusedWithHowToSaveOne() throws IOException {
    byte[] model = Files.readAllBytes(traced.dir().resolve("model.pt"));
    Path truncated =
        Files.write(dir.resolve("truncated.pt"), Arrays.copyOf(model, model.length / 2));
    Path garbage = Files.writeString(dir.resolve("garbage.pt"), "not a model\n".repeat(100));
    for (Path file : new Path[] {traced.dir().resolve("state_dict.pt"), truncated, garbage}) {
      ModelLoadException e = assertThrows(ModelLoadException.class, () -> acquire(file, FEATURES));
      System.out.println("observed: " + e.getMessage());
      assertTrue(
          e.getMessage().startsWith("Cannot load model " + file + " with PyTorch: "),
          e.getMessage());
      assertTrue(e.getMessage().contains("torch.jit.save(torch.jit.trace("), e.getMessage());
      assertTrue(e.getMessage().contains("PyTorch 2.7.1"), e.getMessage());
    }
  }

  @Test
  void rawOutputIsRefusedForAGraphModel() {
    Path file = traced.dir().resolve("model.pt");
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                new ModelSpec(
                    file.toString(),
                    ModelEngine.PYTORCH,
                    ModelDigest.of(file, ModelEngine.PYTORCH),
                    FEATURES,
                    OutputType.RAW));
    assertTrue(e.getMessage().contains("runs on PyTorch"), e.getMessage());
  }

  @Test
  void theEngineComesFromTheFileNameOrItsName() {
    assertEquals(ModelEngine.PYTORCH, ModelEngine.resolve(null, "model.engine", "/m/model.pt"));
    assertEquals(
        ModelEngine.PYTORCH, ModelEngine.resolve("", "model.engine", "s3a://b/m.torchscript"));
    assertEquals(ModelEngine.PYTORCH, ModelEngine.resolve("TorchScript", "model.engine", "m.bin"));
    assertEquals(ModelEngine.ONNX_RUNTIME, ModelEngine.resolve(null, "model.engine", "m.onnx"));
  }
}

package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model of two named inputs, {@code dense} float32 [batch, 4] and {@code ids} int64 [batch, 2]
 * (two embedding lookups), written by {@code torch/make_two_inputs.py} with Debian's python3-torch
 * as TorchScript and ONNX, against PyTorch's probabilities (tolerance 1e-5).
 */
class NamedInputsModelTest {
  private static final List<ModelInput> INPUTS =
      List.of(
          new ModelInput("dense", 4, InputType.FLOAT32), new ModelInput("ids", 2, InputType.INT64));

  @TempDir static Path dir;
  static float[] rows;
  static double[] expected;
  static int n;

  @BeforeAll
  static void make() throws IOException, InterruptedException {
    PythonScript.run("/torch/make_two_inputs.py", "python3-torch", dir);
    List<String> lines = Files.readAllLines(dir.resolve("rows.csv"));
    List<String> probabilities = Files.readAllLines(dir.resolve("expected.csv"));
    n = lines.size();
    rows = new float[n * 6];
    expected = new double[n * 3];
    for (int r = 0; r < n; r++) {
      String[] f = lines.get(r).split(",");
      for (int c = 0; c < 6; c++) {
        rows[r * 6 + c] = Float.parseFloat(f[c + 1]);
      }
      String[] p = probabilities.get(r).split(",");
      for (int k = 0; k < 3; k++) {
        expected[r * 3 + k] = Double.parseDouble(p[k + 1]);
      }
    }
  }

  private static LoadedModel acquire(String file, ModelEngine engine, List<ModelInput> inputs) {
    Path model = dir.resolve(file);
    ModelSpec spec =
        new ModelSpec(
            model.toString(),
            engine,
            ModelDigest.of(model, engine),
            inputs.stream().mapToInt(ModelInput::width).sum(),
            OutputType.PROBABILITY,
            null,
            null,
            null,
            inputs,
            null);
    return ModelRegistry.acquire(spec, () -> model, EngineSettings.forTaskCpus(1));
  }

  private static void assertPyTorch(String file, ModelEngine engine) {
    try (ScoringSession s = acquire(file, engine, INPUTS).newSession()) {
      float[] got = s.predict(new FeatureBatch(rows, n, 6)).values();
      Set<Float> distinct = new HashSet<>();
      for (int i = 0; i < got.length; i++) {
        assertEquals(expected[i], got[i], 1e-5, file + " value " + i);
        distinct.add(got[i]);
      }
      assertTrue(distinct.size() > 300, "predictions vary: " + distinct.size());
    }
  }

  @Test
  void aTorchScriptModelOfTwoInputsPredictsWhatPyTorchComputed() {
    assertPyTorch("two_inputs.pt", ModelEngine.PYTORCH);
  }

  @Test
  void anOnnxModelOfTwoInputsPredictsWhatPyTorchComputed() {
    assertPyTorch("two_inputs.onnx", ModelEngine.ONNX_RUNTIME);
  }

  @Test
  void swappedIdsDoNotMatchPyTorch() {
    float[] swapped = rows.clone();
    for (int r = 0; r < n; r++) {
      swapped[r * 6 + 4] = Math.min(4, rows[r * 6 + 5]);
      swapped[r * 6 + 5] = Math.min(4, rows[r * 6 + 4]);
    }
    try (ScoringSession s = acquire("two_inputs.pt", ModelEngine.PYTORCH, INPUTS).newSession()) {
      float[] got = s.predict(new FeatureBatch(swapped, n, 6)).values();
      int off = 0;
      for (int r = 0; r < n; r++) {
        off += Math.abs(expected[r * 3] - got[r * 3]) > 1e-5 ? 1 : 0;
      }
      assertTrue(off > n / 2, "a swapped column order changes most rows: " + off);
    }
  }

  @Test
  void inputsOtherThanTheModelsAreRefusedAtLoadNamingThem() throws IOException {
    List<ModelInput> reversed = List.of(INPUTS.get(1), INPUTS.get(0));
    ModelLoadException order =
        assertThrows(
            ModelLoadException.class,
            () -> acquire("two_inputs.onnx", ModelEngine.ONNX_RUNTIME, reversed));
    assertTrue(
        order
            .getMessage()
            .contains(
                "takes the inputs [dense, ids], in this order; model.inputs gives [ids, dense]"),
        order.getMessage());
    // ids as float32: both engines refuse the dtype before any row, with their reason.
    List<ModelInput> floatIds = List.of(INPUTS.get(0), new ModelInput("ids", 2, InputType.FLOAT32));
    Files.copy(dir.resolve("two_inputs.pt"), dir.resolve("float-ids.pt"));
    ModelLoadException torch =
        assertThrows(
            ModelLoadException.class, () -> acquire("float-ids.pt", ModelEngine.PYTORCH, floatIds));
    System.out.println("observed: " + torch.getMessage());
    assertTrue(
        torch
            .getMessage()
            .contains("fails on two rows of zeros as dense float32[4], ids float32[2]"),
        torch.getMessage());
    Files.copy(dir.resolve("two_inputs.onnx"), dir.resolve("float-ids.onnx"));
    ModelLoadException onnx =
        assertThrows(
            ModelLoadException.class,
            () -> acquire("float-ids.onnx", ModelEngine.ONNX_RUNTIME, floatIds));
    System.out.println("observed: " + onnx.getMessage());
    assertTrue(onnx.getMessage().contains("model.input-types"), onnx.getMessage());
  }

  @Test
  void aFixedInputKeepsTheSettingsTextItsRunsWereDigestedWith() {
    // The text the record's own toString gave before sequences existed: runs of named inputs keep
    // their settings digest, so an upgrade rescores nothing.
    assertEquals(
        "ModelInput[name=ids, width=2, type=INT64]",
        new ModelInput("ids", 2, InputType.INT64).settingsText());
    assertEquals(
        "ModelInput[name=events, width=13, type=FLOAT32, sequence, mask=m, maskType=INT64]",
        ModelInput.sequence("events", 12, InputType.FLOAT32, "m", null).settingsText());
  }

  @Test
  void unknownTypesAndTreeEnginesAreRefusedWithTheReason() {
    assertEquals(InputType.FLOAT64, InputType.parse(" Double ", "model.input-types.x"));
    ModelLoadException f16 =
        assertThrows(
            ModelLoadException.class, () -> InputType.parse("bfloat16", "model.input-types.x"));
    assertTrue(
        f16.getMessage().contains("'bfloat16'; use float32, float64, int32 or int64"),
        f16.getMessage());
    ModelLoadException trees =
        assertThrows(
            ModelLoadException.class,
            () ->
                new ModelSpec(
                    "m.json",
                    ModelEngine.XGBOOST,
                    "0".repeat(64),
                    6,
                    OutputType.PROBABILITY,
                    null,
                    null,
                    null,
                    INPUTS,
                    null));
    assertTrue(
        trees.getMessage().contains("named inputs are for ONNX and TorchScript"),
        trees.getMessage());
  }
}

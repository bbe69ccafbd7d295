package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelEngineTest {
  @Test
  void theFileNameTellsTheEngineWhenNoneIsNamed() {
    assertEquals(ModelEngine.ONNX_RUNTIME, ModelEngine.resolve(null, "e", "m/churn.onnx"));
    assertEquals(ModelEngine.LIGHTGBM, ModelEngine.resolve(" ", "e", "s3a://b/model.txt"));
    assertEquals(ModelEngine.XGBOOST, ModelEngine.resolve(null, "e", "m/model.JSON"));
    assertEquals(ModelEngine.XGBOOST, ModelEngine.resolve(null, "e", "m/model.ubj"));
    // Any other name: ONNX Runtime, as every job file before the tree engines meant.
    assertEquals(ModelEngine.ONNX_RUNTIME, ModelEngine.resolve(null, "e", "m/churn.model"));
  }

  @Test
  void aNamedEngineWinsOverTheFileName() {
    assertEquals(ModelEngine.LIGHTGBM, ModelEngine.resolve("lightgbm", "e", "m/trees.model"));
    assertEquals(ModelEngine.XGBOOST, ModelEngine.resolve("XGBoost", "e", "m/model.txt"));
    assertEquals(ModelEngine.ONNX_RUNTIME, ModelEngine.resolve("onnx", "e", "m/x.json"));
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class, () -> ModelEngine.resolve("TensorFlow", "model.engine", "m"));
    assertTrue(e.getMessage().contains("model.engine is 'TensorFlow'"), e.getMessage());
  }

  @Test
  void treeEnginesReportTheirBundledRuntimes() {
    assertEquals("XGBoost 3.0.4", ModelEngine.XGBOOST.runtime());
    assertEquals("LightGBM 3.3.5 (lightgbmlib 3.3.510)", ModelEngine.LIGHTGBM.runtime());
    assertEquals(0, ModelEngine.XGBOOST.gpuCount());
    assertEquals(0, ModelEngine.LIGHTGBM.gpuCount());
  }

  @Test
  void rawOutputIsRefusedForOnnxModels() {
    String digest = "0".repeat(64);
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () -> new ModelSpec("m.onnx", ModelEngine.ONNX_RUNTIME, digest, 3, OutputType.RAW));
    assertTrue(e.getMessage().contains("raw output is for LightGBM and XGBoost"), e.getMessage());
  }
}

package io.shardscore.job.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.EngineSettings;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import io.shardscore.model.ScoringSession;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models with ONNX external data read through Hadoop's file system, scored by ONNX Runtime. */
class HadoopModelSourceTest {
  private static final float[] ROW = {0.3f, -1.2f, 0.8f, 2f};

  @TempDir Path dir;

  @Test
  void theDigestThroughHadoopCoversExternalDataAndTheRegistryLoadsIt() throws Exception {
    Path model = dir.resolve("models").resolve("churn.onnx");
    Mlp mlp = Mlp.seeded(41, 4, 8, 3);
    OnnxMlpWriter.writeWithExternalData(mlp, model, "churn.weights");
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path onHadoop = new org.apache.hadoop.fs.Path(model.toUri());
    String digest = ModelDigest.of(ModelEngine.ONNX_RUNTIME, new HadoopModelFiles(onHadoop, conf));
    assertEquals(ModelDigest.of(model), digest);
    for (String location : new String[] {model.toString(), model.toUri().toString()}) {
      ModelSpec spec = new ModelSpec(location, ModelEngine.ONNX_RUNTIME, digest, 4);
      HadoopModelSource source = new HadoopModelSource(location, digest, new HadoopConf(conf));
      try (ScoringSession s =
          ModelRegistry.acquire(spec, source, EngineSettings.forTaskCpus(1)).newSession()) {
        assertEquals(mlp.predict(ROW)[0], s.predict(new FeatureBatch(ROW, 1, 4)).get(0, 0), 1e-5);
      }
    }
  }

  @Test
  void aMissingWeightsFileOnTheStoreIsNamed() throws Exception {
    Path model = dir.resolve("gone").resolve("churn.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(42, 4, 3), model, "churn.weights");
    Files.delete(model.resolveSibling("churn.weights"));
    org.apache.hadoop.fs.Path onHadoop = new org.apache.hadoop.fs.Path(model.toUri());
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                ModelDigest.of(
                    ModelEngine.ONNX_RUNTIME, new HadoopModelFiles(onHadoop, new Configuration())));
    assertTrue(e.getMessage().contains("'churn.weights'"), e.getMessage());
    assertTrue(e.getMessage().contains("gone/churn.weights"), e.getMessage());
  }
}

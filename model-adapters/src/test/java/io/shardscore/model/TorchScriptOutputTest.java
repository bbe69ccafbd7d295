package io.shardscore.model;

import static io.shardscore.model.TorchScriptTraining.FEATURES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript models whose output the one-row probe at load must refuse: a dict (DJL lists its
 * tensors in hash order, not the model's, so "the first output" is whichever it happens to list
 * first) and an output with one row whatever the batch (one row in, one row out passes a one-row
 * check, then every real batch fails in a task).
 */
class TorchScriptOutputTest {
  @TempDir static Path dir;
  private static TorchScriptTraining traced;

  @BeforeAll
  static void trace() throws IOException, InterruptedException {
    traced = TorchScriptTraining.run(dir.resolve("torch"));
  }

  private static LoadedModel acquire(Path file) {
    ModelSpec spec =
        new ModelSpec(
            file.toString(),
            ModelEngine.PYTORCH,
            ModelDigest.of(file, ModelEngine.PYTORCH),
            FEATURES);
    return ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
  }

  @Test
  void aModelReturningADictIsRefusedAtLoad() {
    Path file = traced.dir().resolve("dict.pt");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> acquire(file).close());
    System.out.println("observed: " + e.getMessage());
    assertTrue(e.getMessage().contains("dict"), e.getMessage());
    assertTrue(e.getMessage().contains("logits"), e.getMessage());
    assertTrue(e.getMessage().contains("probabilities"), e.getMessage());
  }

  @Test
  void aModelReturningATupleScoresItsFirstTensor() {
    Path file = traced.dir().resolve("tuple.pt");
    int n = traced.rowCount();
    try (LoadedModel model = acquire(file);
        ScoringSession session = model.newSession()) {
      ModelOutput out = session.predict(new FeatureBatch(traced.rows(), n, FEATURES));
      assertEquals(TorchScriptTraining.CLASSES, out.width());
      for (int i = 0; i < out.values().length; i++) {
        assertEquals(traced.probabilities()[i], out.values()[i], 1e-5, "value " + i);
      }
    }
  }

  @Test
  void aModelWhoseOutputIgnoresTheBatchIsRefusedAtLoad() {
    Path file = traced.dir().resolve("batch_mean.pt");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> acquire(file).close());
    System.out.println("observed: " + e.getMessage());
    assertTrue(e.getMessage().contains("returned 1 rows for 2 input rows"), e.getMessage());
  }
}

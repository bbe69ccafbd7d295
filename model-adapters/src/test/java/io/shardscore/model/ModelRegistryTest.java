package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  @TempDir Path dir;

  private ModelSpec write(String name, long seed) throws Exception {
    Path file = dir.resolve(name);
    OnnxMlpWriter.write(Mlp.seeded(seed, 3, 4, 2), file);
    return new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), 3);
  }

  private static LoadedModel acquire(ModelSpec spec) {
    return ModelRegistry.acquire(
        spec, () -> Path.of(spec.location()), EngineSettings.forTaskCpus(1));
  }

  private static boolean loaded(ModelSpec spec) {
    return ModelRegistry.loaded().contains(spec.digest() + "@cpu()");
  }

  @Test
  void switchingModelsEvictsIdleOnesButNeverOneInUse() throws Exception {
    ModelRegistry.evictionGrace(0);
    ModelSpec a = write("a.onnx", 1);
    ModelSpec b = write("b.onnx", 2);
    ModelSpec c = write("c.onnx", 3);
    LoadedModel first = acquire(a);
    assertSame(first, acquire(a), "one instance per digest and device");
    try (ScoringSession inUse = first.newSession()) {
      acquire(b);
      acquire(c);
      assertTrue(loaded(a), "a model a task is using stays");
    }
    acquire(b);
    ModelSpec d = write("d.onnx", 4);
    acquire(d);
    assertTrue(loaded(d));
    assertTrue(loaded(b), "the most recently used idle model stays");
    assertFalse(loaded(a), "older idle models are closed");
    assertFalse(loaded(c), "older idle models are closed");
    ModelRegistry.evictionGrace(java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
  }

  @Test
  void aModelAcquiredMomentsAgoIsNotEvicted() throws Exception {
    ModelSpec e = write("e.onnx", 5);
    ModelSpec f = write("f.onnx", 6);
    ModelSpec g = write("g.onnx", 7);
    acquire(e);
    acquire(f);
    acquire(g);
    assertTrue(loaded(e) && loaded(f) && loaded(g), "within the grace period nothing is evicted");
  }
}

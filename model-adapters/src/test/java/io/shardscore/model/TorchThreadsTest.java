package io.shardscore.model;

import static io.shardscore.model.TorchScriptTraining.FEATURES;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The intra-op threads TorchNatives reports (and logs) are the ones libtorch uses, even when the
 * PyTorch engine was started before the first load: DeviceSelection and the warm-up plugin ask
 * {@link ModelEngine#gpuCount()} first, which starts DJL's engine without shardscore's settings.
 * (Run alone, in a JVM where PyTorch has not started, this is the case it checks; after another
 * test started PyTorch it still checks that the report is true.)
 */
class TorchThreadsTest {
  @TempDir Path dir;

  @Test
  void theThreadsReportedAreTheThreadsLibtorchUsesAfterAGpuCount()
      throws IOException, InterruptedException {
    TorchScriptTraining traced = TorchScriptTraining.run(dir.resolve("torch"));
    ModelEngine.PYTORCH.gpuCount();
    int wanted = JniUtils.getNumThreads() == 1 ? 2 : 1;
    Path file = traced.dir().resolve("model.pt");
    ModelSpec spec =
        new ModelSpec(
            file.toString(),
            ModelEngine.PYTORCH,
            ModelDigest.of(file, ModelEngine.PYTORCH),
            FEATURES);
    ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(wanted)).close();
    assertEquals(TorchNatives.intraOpThreads(), Integer.toString(JniUtils.getNumThreads()));
  }
}

package io.shardscore.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code docker/gpu-discovery.sh} against a stand-in {@code nvidia-smi}. */
class GpuDiscoveryScriptTest {
  @TempDir Path dir;

  private String run(Map<String, String> env, boolean withNvidiaSmi) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    if (withNvidiaSmi) {
      Path smi = bin.resolve("nvidia-smi");
      Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n 2\\n3\\n'\n");
      Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Path script = Paths.get("..", "docker", "gpu-discovery.sh").toAbsolutePath().normalize();
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.environment().remove("CUDA_VISIBLE_DEVICES");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.waitFor(20, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void reportsEveryGpuNvidiaSmiLists() throws Exception {
    assertEquals(
        "{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\", \"2\", \"3\"]}", run(Map.of(), true));
  }

  @Test
  void reportsRenumberedIndicesUnderCudaVisibleDevices() throws Exception {
    assertEquals(
        "{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}",
        run(Map.of("CUDA_VISIBLE_DEVICES", "2,3"), true));
  }

  @Test
  void reportsNoGpuWithoutTheDriver() throws Exception {
    assertEquals("{\"name\": \"gpu\", \"addresses\": []}", run(Map.of(), false));
  }
}

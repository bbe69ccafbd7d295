package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX model scores in a JVM that has DJL's PyTorch engine (it is in the application jar now)
 * but not libtorch (pytorch-native-cpu is provided, added only for TorchScript jobs), with none of
 * the test JVMs' DJL settings: DJL's ONNX Runtime engine otherwise starts PyTorch as its
 * "alternative engine" on its first model, which fails there. This is an executor JVM of a cluster
 * whose job file names an ONNX model: it gets only what spark.executor.extraJavaOptions says.
 */
class OnnxBesidePyTorchTest {
  @TempDir Path dir;

  /** The executor: loads an ONNX model through the registry and scores one row. */
  public static final class Executor {
    public static void main(String[] args) throws Exception {
      Path file = Path.of(args[0]);
      OnnxMlpWriter.write(Mlp.seeded(1, 4, 8, 3), file);
      ModelSpec spec =
          new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), 4);
      try (LoadedModel model =
              ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
          ScoringSession session = model.newSession()) {
        System.out.println(
            "scored " + session.predict(new FeatureBatch(new float[4], 1, 4)).rows());
      }
      System.exit(0);
    }
  }

  @Test
  void anOnnxModelScoresWithoutLibtorchAndWithoutTheTestsDjlSettings() throws Exception {
    String classPath =
        Arrays.stream(System.getProperty("surefire.test.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("pytorch-native"))
            .collect(Collectors.joining(File.pathSeparator));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-cp",
            classPath,
            "-Djava.io.tmpdir=" + dir,
            "-DDJL_CACHE_DIR=" + dir.resolve("djl"),
            "-DENGINE_CACHE_DIR=" + dir.resolve("djl"),
            "-Dai.djl.offline=true",
            "-Dlog4j2.configurationFile=log4j2-test.xml",
            Executor.class.getName(),
            dir.resolve("model.onnx").toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("PYTORCH_LIBRARY_PATH");
    pb.environment().put("DJL_CACHE_DIR", dir.resolve("djl").toString());
    pb.environment().put("ENGINE_CACHE_DIR", dir.resolve("djl").toString());
    pb.environment().put("DJL_OFFLINE", "true");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    System.out.println(output);
    assertEquals(0, rc, output);
    assertTrue(output.contains("scored 1"), output);
  }
}

package io.shardscore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a measurement in a JVM of its own (a fixed heap for the memory probe, a cluster driver for
 * model loads) and reads back the JSON line it prints last.
 */
final class ChildJvm {
  private ChildJvm() {}

  static Map<String, Object> run(
      String mainClass, String heap, Map<String, String> env, Path log, String... args)
      throws IOException, InterruptedException {
    Process p = start(mainClass, heap, env, log, args);
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException(mainClass + " did not finish; see " + log);
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("{")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> result = new ObjectMapper().readValue(lines.get(i), Map.class);
        if (p.exitValue() != 0) {
          break;
        }
        return result;
      }
    }
    throw new IOException(mainClass + " failed (exit " + p.exitValue() + "); see " + log);
  }

  /**
   * Runs {@code mainClass} as a process of its own and returns its whole wall time, from start to
   * exit, in seconds. Extra JVM options (a JFR recording, say) come from the environment variable
   * {@code SHARDSCORE_BENCH_CHILD_OPTS}, split on spaces.
   */
  static double timed(String mainClass, String heap, Path log, String... args)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    Process p = start(mainClass, heap, Map.of(), log, args);
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException(mainClass + " did not finish; see " + log);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (p.exitValue() != 0) {
      throw new IOException(mainClass + " failed (exit " + p.exitValue() + "); see " + log);
    }
    return seconds;
  }

  private static Process start(
      String mainClass, String heap, Map<String, String> env, Path log, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + heap);
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-Xmx") && !a.startsWith("-Xms") && !a.startsWith("-agentlib")) {
        cmd.add(a);
      }
    }
    String extra = System.getenv("SHARDSCORE_BENCH_CHILD_OPTS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split(" +")));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /** A folder whose {@code jars/} links every jar of this JVM's classpath: a SPARK_HOME. */
  static Path sparkHome(Path dir) throws IOException {
    Path jars = dir.resolve("jars");
    Files.createDirectories(jars);
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path jar = Paths.get(entry);
      if (entry.endsWith(".jar") && Files.exists(jar)) {
        Path link = jars.resolve(jar.getFileName());
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
      }
    }
    return dir;
  }
}

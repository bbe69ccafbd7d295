package io.shardscore.job.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.shardscore.job.JobYaml;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.cli.ExitCode;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelRegistry;
import io.shardscore.serving.ServerSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code shardscore serve} starts and ends: a start that fails (the port is taken) releases
 * what it took (the model's sessions and holds, the threads) and exits 4 with a message naming the
 * port; SIGTERM drains and exits 0. The process cases run the command in a JVM of its own on this
 * test's classpath.
 */
class ServeLifecycleTest {
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) \\(ready\\)");

  @TempDir Path dir;

  private Path jobFile() throws Exception {
    Path job = dir.resolve("job.yaml");
    Files.writeString(
        job,
        "model:\n  path: "
            + SparkTestSession.model(dir)
            + "\n  features: "
            + JobYaml.flow(DemoData.FEATURES)
            + "\n");
    return job;
  }

  @Test
  void aPortInUseFailsTheStartAndReleasesTheModelsSessions() throws Exception {
    JobConfig job = JobConfigReader.read(jobFile());
    String digest = ModelDigest.of(SparkTestSession.model(dir), ModelEngine.ONNX_RUNTIME);
    int before = ModelRegistry.holds(digest);
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      for (OnlineScoring.Batching mode : OnlineScoring.Batching.values()) {
        ShardscoreException e =
            assertThrows(
                ShardscoreException.class,
                () -> OnlineScoring.start(job, ServerSettings.onPort(taken.getLocalPort()), mode));
        assertEquals(ErrorKind.INFRASTRUCTURE, e.kind(), mode.toString());
        assertTrue(
            e.getMessage().startsWith("Cannot listen on 127.0.0.1:" + taken.getLocalPort()),
            e.getMessage());
        assertTrue(e.getMessage().contains("pick another --port"), e.getMessage());
        // A session pool's sessions each hold the model: they used to stay open for good.
        assertEquals(before, ModelRegistry.holds(digest), mode + ": holds left on the model");
      }
    }
    awaitNoServingThreads();
  }

  @Test
  void sigtermDrainsAndExitsZero() throws Exception {
    Path log = dir.resolve("serve.log");
    Process serve = serve(log, "0");
    try {
      int port = awaitPort(serve, log);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ready.statusCode());

      serve.destroy(); // SIGTERM
      assertTrue(serve.waitFor(120, TimeUnit.SECONDS), "serve exits after SIGTERM");
      String out = Files.readString(log);
      assertEquals(ExitCode.OK, serve.exitValue(), out);
      assertTrue(out.contains("shardscore serve: SIGTERM, draining"), out);
      assertTrue(out.contains("shardscore serve: drained and stopped"), out);
    } finally {
      serve.destroyForcibly();
    }
  }

  @Test
  void aPortInUseExitsFourWithTheReasonAndNoStackTrace() throws Exception {
    Path log = dir.resolve("serve.log");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Process serve = serve(log, Integer.toString(taken.getLocalPort()));
      try {
        assertTrue(serve.waitFor(120, TimeUnit.SECONDS), "serve gives up at once");
        String out = Files.readString(log);
        assertEquals(ErrorKind.INFRASTRUCTURE.exitCode(), serve.exitValue(), out);
        assertTrue(
            out.contains("shardscore: Cannot listen on 127.0.0.1:" + taken.getLocalPort()), out);
        assertFalse(out.contains("\tat "), "a reason, not a stack trace:\n" + out);
        assertFalse(out.contains("listening on"), out);
      } finally {
        serve.destroyForcibly();
      }
    }
  }

  private Process serve(Path log, String port) throws Exception {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m",
            "-Dai.djl.offline=true",
            "-Dai.djl.onnx.disable_alternative=true",
            "-cp",
            System.getProperty("java.class.path"),
            "io.shardscore.job.cli.ShardscoreCommand",
            "serve",
            "--config",
            jobFile().toString(),
            "--port",
            port);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /** The port in the serve log's ready line; fails if the process ends or after a bounded wait. */
  private static int awaitPort(Process serve, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      String out = Files.exists(log) ? Files.readString(log) : "";
      Matcher m = LISTENING.matcher(out);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!serve.isAlive()) {
        fail("serve exited with " + serve.exitValue() + ":\n" + out);
      }
      Thread.sleep(50); // polling another process's log, not a synchronisation
    }
    return fail("serve did not get ready in 120 s:\n" + Files.readString(log));
  }

  /** Until no serving thread is alive in this JVM; fails after a bounded wait. */
  private static void awaitNoServingThreads() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      List<String> alive =
          Thread.getAllStackTraces().keySet().stream()
              .map(Thread::getName)
              .filter(n -> n.startsWith("shardscore-serving-"))
              .toList();
      if (alive.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("serving threads left: " + alive);
      }
      Thread.sleep(5);
    }
  }
}

package io.shardscore.job.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.shardscore.job.SparkTestSession;
import io.shardscore.job.cluster.StandaloneCluster;
import io.shardscore.job.demo.DemoData;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shardscore serve} as deployed: the shaded application jar with Spark and Hadoop provided
 * beside it (the Kubernetes Deployment's classpath), in a JVM of its own. It serves, its metrics
 * hear the coalesced model calls, and SIGTERM drains it and ends the process with status 0.
 */
class ServeCommandIT {
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) \\(ready\\)");

  @TempDir Path dir;

  @Test
  void theAppJarServesAndStopsOnSigterm() throws Exception {
    Path model = SparkTestSession.model(dir);
    Path job = dir.resolve("job.yaml");
    Files.writeString(
        job,
        "model:\n  path: "
            + model
            + "\n  features:\n"
            + DemoData.FEATURES.stream().map(f -> "    - " + f + "\n").reduce("", String::concat));
    List<String> classpath = new ArrayList<>();
    classpath.add(StandaloneCluster.appJar().toString());
    for (String e : StandaloneCluster.providedClasspath()) {
      if (!e.contains("/io/prometheus/")) { // these must come from the app jar
        classpath.add(e);
      }
    }
    Path log = dir.resolve("serve.log");
    Process serve =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dai.djl.offline=true",
                "-Dai.djl.onnx.disable_alternative=true",
                "-cp",
                String.join(File.pathSeparator, classpath),
                "io.shardscore.job.cli.ShardscoreCommand",
                "serve",
                "--config",
                job.toString(),
                "--port",
                "0")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      int port = awaitPort(serve, log);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      StringBuilder row = new StringBuilder("{\"rows\": [{");
      for (String f : DemoData.FEATURES) {
        row.append(row.charAt(row.length() - 1) == '{' ? "" : ", ");
        row.append(f.contains("[") ? "\"spend_by_month\": [1, 2, 3, 4, 5, 6]" : "\"" + f + "\": 1");
      }
      row.append("}]}");
      HttpResponse<String> scored =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/score"))
                  .POST(HttpRequest.BodyPublishers.ofString(row.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, scored.statusCode(), scored.body());
      assertTrue(
          scored.body().contains(ModelDigest.of(model, ModelEngine.ONNX_RUNTIME)), scored.body());
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(metrics.contains("shardscore_serving_model_calls_total 1.0"), metrics);

      serve.destroy(); // SIGTERM
      assertTrue(serve.waitFor(60, TimeUnit.SECONDS), "serve exits after SIGTERM");
      String out = Files.readString(log);
      assertTrue(out.contains("shardscore serve: drained and stopped"), out);
      assertEquals(0, serve.exitValue(), "a clean drain exits 0:\n" + out);
    } finally {
      serve.destroyForcibly();
    }
  }

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
      Thread.sleep(100); // polling another process's log, not a synchronization
    }
    return fail("serve did not get ready in 120 s:\n" + Files.readString(log));
  }
}

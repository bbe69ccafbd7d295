package io.shardscore.bench;

import io.shardscore.job.demo.DemoData;
import io.shardscore.job.demo.DemoModel;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scaling target: N {@code shardscore serve} instances, each pinned to a core of its
 * own with {@code taskset}, behind Debian's HAProxy running the shipped {@code
 * docker/serving/haproxy.cfg}, under a closed-loop client (C threads, one 1-row request each at a
 * time, W seconds of warm-up, then S seconds measured). Prints one JSON line per run and a table;
 * instance counts alternate run by run so drift in the machine's load hits both alike.
 *
 * <p>Instance i runs on core i (mod the cores there are); HAProxy and the client are not pinned.
 * The target's setup (one core per instance, the load balancer and the client elsewhere) needs at
 * least one core more than instances: with fewer, the client and HAProxy share the instances' cores
 * (each JSON line says so), which favours one instance, whose run leaves a core to them.
 *
 * <p>{@code serve-scaling [instances=1,2] [runs=2] [seconds=10] [warmup=3] [clients=32]
 * [batching=queue]}, run from the repository root by {@code benchmarks/bin/serve-scaling}.
 */
public final class ServeScaling {
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private ServeScaling() {}

  record Run(
      int instances, double requestsPerSecond, double p50, double p95, double p99, long failed) {}

  public static void main(String[] args) throws Exception {
    java.util.Map<String, String> opt = new java.util.HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      opt.put(a.substring(0, eq), a.substring(eq + 1));
    }
    int[] counts =
        Arrays.stream(opt.getOrDefault("instances", "1,2").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int runs = Integer.parseInt(opt.getOrDefault("runs", "2"));
    int seconds = Integer.parseInt(opt.getOrDefault("seconds", "10"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "3"));
    int clients = Integer.parseInt(opt.getOrDefault("clients", "32"));
    String batching = opt.getOrDefault("batching", "queue");
    int cores = Runtime.getRuntime().availableProcessors();
    Path dir = Files.createTempDirectory("serve-scaling");
    Path job = writeDemoJob(dir);
    List<Run> results = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      for (int n : counts) {
        Run run =
            run(
                dir.resolve("run-" + r + "-" + n),
                job,
                n,
                cores,
                clients,
                warmup,
                seconds,
                batching);
        System.out.printf(
            Locale.ROOT,
            "{\"instances\": %d, \"run\": %d, \"req_per_s\": %.1f, \"p50_ms\": %.1f,"
                + " \"p95_ms\": %.1f, \"p99_ms\": %.1f, \"failed\": %d, \"cores\": %d,"
                + " \"client_shares_instance_cores\": %b, \"load_average\": %.1f}%n",
            n,
            r,
            run.requestsPerSecond(),
            run.p50(),
            run.p95(),
            run.p99(),
            run.failed(),
            cores,
            cores <= n,
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        results.add(run);
      }
    }
    System.out.println("| instances | req/s | p50 / p95 / p99 (ms) | failed |");
    System.out.println("|---:|---:|---|---:|");
    for (Run run : results) {
      System.out.printf(
          Locale.ROOT,
          "| %d | %.0f | %.0f / %.0f / %.0f | %d |%n",
          run.instances(),
          run.requestsPerSecond(),
          run.p50(),
          run.p95(),
          run.p99(),
          run.failed());
    }
    if (counts.length == 2) {
      double a = mean(results, counts[0]);
      double b = mean(results, counts[1]);
      System.out.printf(
          Locale.ROOT, "%d vs %d instances: %.2f x throughput%n", counts[1], counts[0], b / a);
    }
  }

  private static double mean(List<Run> runs, int instances) {
    return runs.stream()
        .filter(r -> r.instances() == instances)
        .mapToDouble(Run::requestsPerSecond)
        .average()
        .orElse(Double.NaN);
  }

  private static Run run(
      Path dir,
      Path job,
      int instances,
      int cores,
      int clients,
      int warmup,
      int seconds,
      String batching)
      throws Exception {
    Files.createDirectories(dir);
    List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
    // The harness stopped by a signal: its instances and HAProxy go too.
    Thread cleanup = new Thread(() -> processes.forEach(Process::destroyForcibly));
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      List<Integer> ports = new ArrayList<>();
      List<Process> serving = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        Path log = dir.resolve("serve-" + i + ".log");
        List<String> cmd = pinnedJava(i % cores, List.of());
        cmd.addAll(serveArgs(job, batching));
        Process p =
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        serving.add(p);
      }
      for (int i = 0; i < instances; i++) {
        ports.add(awaitPort(serving.get(i), dir.resolve("serve-" + i + ".log")));
      }
      int front = freePort();
      Path cfg = dir.resolve("haproxy.cfg");
      StringBuilder config =
          new StringBuilder(Files.readString(Path.of("docker/serving/haproxy.cfg")));
      for (int i = 1; i < instances; i++) {
        config.append(
            "  server s"
                + (i + 1)
                + " 127.0.0.1:"
                + ports.get(i)
                + " check inter 500ms fall 1 rise 1\n");
      }
      Files.writeString(cfg, config);
      ProcessBuilder lb =
          new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("haproxy.log").toFile());
      lb.environment().put("SHARDSCORE_LB_BIND", "127.0.0.1:" + front);
      lb.environment().put("SHARDSCORE_LB_SOCKET", dir.resolve("haproxy.sock").toString());
      lb.environment().put("SHARDSCORE_FIRST_SERVER", "127.0.0.1:" + ports.get(0));
      processes.add(lb.start());
      return load(front, clients, warmup, seconds, instances);
    } finally {
      for (Process p : processes) {
        p.destroy();
      }
      for (Process p : processes) {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
  }

  /** Waits for HAProxy and every instance, then runs the closed loop through HAProxy. */
  private static Run load(int port, int clients, int warmup, int seconds, int instances)
      throws Exception {
    String body = demoRow();
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/score"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) { // HAProxy up and every instance checked
      try {
        if (http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          break;
        }
      } catch (IOException notYet) {
        // HAProxy is still starting
      }
      if (System.nanoTime() > until) {
        throw new IOException("HAProxy did not answer on " + port);
      }
      Thread.sleep(100);
    }
    Thread.sleep(1500); // three health-check intervals: every instance is up in the backend
    ClosedLoop.Result r = ClosedLoop.run(port, body, clients, warmup, seconds);
    return new Run(instances, r.requestsPerSecond(), r.p50(), r.p95(), r.p99(), r.failed());
  }

  /** A job file in {@code dir} that serves the demo model ({@code churn.onnx} beside it). */
  static Path writeDemoJob(Path dir) throws IOException {
    return writeJob(dir, DemoModel.mlp());
  }

  /** A job file in {@code dir} that serves {@code mlp} on the demo's features. */
  static Path writeJob(Path dir, Mlp mlp) throws IOException {
    Path job = dir.resolve("job.yaml");
    Path model = dir.resolve("model.onnx");
    OnnxMlpWriter.write(mlp, model);
    Files.writeString(
        job,
        "model:\n  path: "
            + model
            + "\n  features:\n"
            + DemoData.FEATURES.stream().map(f -> "    - " + f + "\n").reduce("", String::concat));
    return job;
  }

  /** A request body of one demo row with every feature set. */
  static String demoRow() {
    StringBuilder row = new StringBuilder("{\"rows\": [{");
    for (String f : DemoData.FEATURES) {
      row.append(row.charAt(row.length() - 1) == '{' ? "" : ", ");
      row.append(f.contains("[") ? "\"spend_by_month\": [1, 2, 3, 4, 5, 6]" : "\"" + f + "\": 1");
    }
    return row.append("}]}").toString();
  }

  /**
   * The command line of a JVM on this class path pinned to {@code core} with {@code taskset}, as
   * the serving benchmarks start their servers: {@code options} go before the class path, the main
   * class and its arguments are the caller's to add.
   */
  static List<String> pinnedJava(int core, List<String> options) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "taskset",
                "-c",
                Integer.toString(core),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dai.djl.offline=true",
                "-Dai.djl.onnx.disable_alternative=true"));
    cmd.addAll(options);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    return cmd;
  }

  /** {@code shardscore serve} of {@code job} on a free port, printed when it listens. */
  static List<String> serveArgs(Path job, String batching) {
    return List.of(
        "io.shardscore.job.cli.ShardscoreCommand",
        "serve",
        "--config",
        job.toString(),
        "--port",
        "0",
        "--batching",
        batching);
  }

  /** The port a server started by this harness prints ({@code listening on http://...:N}). */
  static int awaitPort(Process serve, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      String out = Files.exists(log) ? Files.readString(log) : "";
      Matcher m = LISTENING.matcher(out);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!serve.isAlive()) {
        throw new IOException("the server exited with " + serve.exitValue() + ":\n" + out);
      }
      Thread.sleep(100);
    }
    throw new IOException("the server did not start listening; see " + log);
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

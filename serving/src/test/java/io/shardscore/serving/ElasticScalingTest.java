package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Elastic scaling on this machine: Debian's HAProxy on 127.0.0.1, run with the shipped {@code
 * docker/serving/haproxy.cfg}, in front of one serving instance (a JVM of its own); a second and a
 * third join at run time through HAProxy's runtime API, then the first is drained with SIGTERM and
 * removed, all under continuous load from eight client threads: not one request may fail. Needs the
 * {@code haproxy} package; fails without it unless {@code SHARDSCORE_SKIP_HAPROXY=1}.
 */
class ElasticScalingTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  @TempDir Path dir;

  @Test
  void instancesJoinAndLeaveUnderLoadWithoutAFailedRequest() throws Exception {
    Path haproxy = haproxy();
    List<Process> processes = new ArrayList<>();
    try {
      Instance a = Instance.start(dir.resolve("a"), processes);
      int front = freePort();
      Path socket = dir.resolve("haproxy.sock");
      ProcessBuilder lb =
          new ProcessBuilder(
                  haproxy.toString(),
                  "-db",
                  "-f",
                  Path.of("../docker/serving/haproxy.cfg").toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("haproxy.log").toFile());
      lb.environment().put("SHARDSCORE_LB_BIND", "127.0.0.1:" + front);
      lb.environment().put("SHARDSCORE_LB_SOCKET", socket.toString());
      lb.environment().put("SHARDSCORE_FIRST_SERVER", "127.0.0.1:" + a.port);
      processes.add(lb.start());
      Http viaLb = new Http(front);
      await("HAProxy serves through the first instance", () -> ok(viaLb));

      Load load = new Load(front, 8);
      load.start();
      await("the load runs", () -> load.ok.get() >= 50);

      Instance b = Instance.start(dir.resolve("b"), processes);
      Instance c = Instance.start(dir.resolve("c"), processes);
      for (String[] s : new String[][] {{"s2", "" + b.port}, {"s3", "" + c.port}}) {
        assertEquals(
            "New server registered.",
            runtime(
                    socket,
                    "add server shardscore/"
                        + s[0]
                        + " 127.0.0.1:"
                        + s[1]
                        + " check inter 500ms fall 1 rise 1")
                .trim());
        runtime(socket, "enable health shardscore/" + s[0]);
        runtime(socket, "enable server shardscore/" + s[0]);
      }
      await("the new instances take requests", () -> b.served() >= 20 && c.served() >= 20);

      a.process.destroy(); // SIGTERM: drain, then exit
      assertTrue(a.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "instance a exits");
      runtime(socket, "set server shardscore/s1 state maint");
      runtime(socket, "shutdown sessions server shardscore/s1");
      String deleted = runtime(socket, "del server shardscore/s1").trim();
      assertEquals("Server deleted.", deleted);
      long afterScaleDown = load.ok.get();
      await("the load goes on on two instances", () -> load.ok.get() >= afterScaleDown + 100);

      load.stop();
      assertEquals(List.of(), load.failures, "no request fails while instances join and leave");
      assertTrue(load.ok.get() > 150, "requests answered: " + load.ok.get());
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
      }
    }
  }

  private static boolean ok(Http http) {
    try {
      return http.post("/v1/score", ScoringServerTest.rows(ScoringServerTest.row(1, 2, 3, 4)))
              .status()
          == 200;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** One serving instance in its own JVM, and its port once ready. */
  record Instance(Process process, int port) {
    /** {@code args}: {@link TestInstance}'s optional ones after its folder and port file. */
    static Instance start(Path dir, List<Process> processes, String... args)
        throws IOException, InterruptedException {
      Files.createDirectories(dir);
      Path portFile = dir.resolve("port");
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx512m",
                  "-Dai.djl.offline=true",
                  "-Dai.djl.onnx.disable_alternative=true",
                  "-Dlog4j2.configurationFile=log4j2-test.xml",
                  "-cp",
                  System.getProperty("java.class.path"),
                  TestInstance.class.getName(),
                  dir.toString(),
                  portFile.toString()));
      command.addAll(List.of(args));
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("instance.log").toFile());
      pb.environment().put("DJL_OFFLINE", "true");
      pb.environment().put("OPT_OUT_TRACKING", "true");
      Process p = pb.start();
      processes.add(p);
      await(
          "instance " + dir.getFileName() + " is ready",
          () -> Files.exists(portFile) || !p.isAlive());
      if (!p.isAlive()) {
        fail("instance " + dir + " died: " + Files.readString(dir.resolve("instance.log")));
      }
      return new Instance(p, Integer.parseInt(Files.readString(portFile).trim()));
    }

    /** Score requests this instance answered with 200, from its own /metrics. */
    double served() {
      return Metrics.value(
          new Http(port).get("/metrics").body(),
          "shardscore_serving_requests_total{status=\"200\"}");
    }
  }

  /** Client threads that each send one-row requests back to back until stopped. */
  private static final class Load {
    final AtomicLong ok = new AtomicLong();
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final HttpClient client =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final HttpRequest request;

    Load(int port, int clients) {
      request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/score"))
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      ScoringServerTest.rows(ScoringServerTest.row(5, 1, 2, 3))))
              .build();
      for (int i = 0; i < clients; i++) {
        threads.add(new Thread(this::run, "load-" + i));
      }
    }

    void start() {
      threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join();
      }
    }

    private void run() {
      while (running.get()) {
        try {
          HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            ok.incrementAndGet();
          } else {
            failures.add(r.statusCode() + " " + r.body());
          }
        } catch (IOException e) {
          failures.add(e.toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** One command on HAProxy's runtime API (the stats socket); returns its answer. */
  private static String runtime(Path socket, String command) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.shutdownOutput();
      ByteBuffer buf = ByteBuffer.allocate(65536);
      StringBuilder out = new StringBuilder();
      while (ch.read(buf) > 0) {
        buf.flip();
        out.append(StandardCharsets.UTF_8.decode(buf));
        buf.clear();
      }
      return out.toString();
    }
  }

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@link #WAIT}. */
  static void await(String what, Check condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (IOException | UncheckedIOException ignored) {
        // not there yet
      }
      if (System.nanoTime() > deadline) {
        fail("waited " + WAIT.toSeconds() + " s for: " + what);
      }
      Thread.sleep(50); // polling an outside process's state, not a synchronization
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean holds() throws IOException;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Path haproxy() {
    if ("1".equals(System.getenv("SHARDSCORE_SKIP_HAPROXY"))) {
      Assumptions.abort("SHARDSCORE_SKIP_HAPROXY=1: the elastic scaling test does not run");
    }
    for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
      Path p = Path.of(dir, "haproxy");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return fail(
        "haproxy is not installed: install the Debian package haproxy (apt-get install -y"
            + " haproxy), or set SHARDSCORE_SKIP_HAPROXY=1 to skip the elastic scaling test");
  }
}

package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that lie about or withhold their body, on raw sockets to a real server: each gets its
 * answer without holding a request thread for the body it announced.
 */
class HostileClientTest {
  /** Only a guard against a hang: a correct server answers at once. */
  private static final int READ_GUARD_MILLIS = 30_000;

  @TempDir static Path dir;
  static TestModel model;
  static ScoringServer server;

  @BeforeAll
  static void serve() {
    model = new TestModel(dir);
    server = model.serve(model.queue(32, 1), TestModel.anyPort().withLimits(50, 4096));
  }

  @AfterAll
  static void stop() {
    server.stop();
    model.close();
  }

  /** Sends {@code head}, then reads one response: its head and its Content-Length bytes. */
  static String exchange(Socket s, String head) throws IOException {
    s.setSoTimeout(READ_GUARD_MILLIS);
    s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int length = -1;
    int headEnd = -1;
    while (headEnd < 0 || got.size() < headEnd + length) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      got.write(b);
      String text = got.toString(StandardCharsets.ISO_8859_1);
      if (headEnd < 0 && text.endsWith("\r\n\r\n")) {
        headEnd = text.length();
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
        length = m.find() ? Integer.parseInt(m.group(1)) : 0;
      }
    }
    return got.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aBodyAnnouncedOverTheLimitButNeverSentIsRefusedAtOnce() throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      String reply =
          exchange(
              s,
              "POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 1073741824\r\n\r\n{\"rows\": [");
      assertTrue(reply.startsWith("HTTP/1.1 413 "), reply);
      assertTrue(reply.contains("more than this server takes (4096)"), reply);
      assertTrue(reply.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), reply);
      // Counted once answered, while the client still holds its connection open.
      String metrics = new Http(server.port()).get("/metrics").body();
      assertEquals(
          1, Metrics.value(metrics, "shardscore_serving_errors_total{reason=\"too_large\"}"));
      assertEquals(1, Metrics.value(metrics, "shardscore_serving_requests_total{status=\"413\"}"));
    }
  }

  /**
   * Clients that stop mid-head and mid-body are cut off by the request time limit (1 s here, in an
   * instance JVM of its own since the JDK reads it once per JVM): their connections are closed,
   * which frees the threads they held, and the instance answers others after them.
   */
  @Test
  void clientsThatStallMidRequestAreCutOffAndTheInstanceGoesOnServing(@TempDir Path own)
      throws Exception {
    List<Process> processes = new ArrayList<>();
    try {
      ElasticScalingTest.Instance instance =
          ElasticScalingTest.Instance.start(own.resolve("instance"), processes, "1");
      try (Socket head = new Socket("127.0.0.1", instance.port());
          Socket body = new Socket("127.0.0.1", instance.port())) {
        head.getOutputStream().write("POST /v1/score HTTP/1.1\r\nHo".getBytes());
        body.getOutputStream()
            .write("POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\n{".getBytes());
        assertClosedByServer(head);
        assertClosedByServer(body);
      }
      Http http = new Http(instance.port());
      assertEquals(200, http.get("/healthz").status());
      assertEquals(
          200,
          http.post("/v1/score", ScoringServerTest.rows(ScoringServerTest.row(1, 1, 2, 3)))
              .status());
    } finally {
      processes.forEach(Process::destroyForcibly);
    }
  }

  /** The server closes {@code s} without answering (end of stream, or a reset). */
  private static void assertClosedByServer(Socket s) throws IOException {
    s.setSoTimeout(READ_GUARD_MILLIS);
    try {
      assertEquals(-1, s.getInputStream().read(), "no answer to a request that never arrived");
    } catch (java.net.SocketException reset) {
      // closed with unread bytes: a reset is a close too
    }
  }
}

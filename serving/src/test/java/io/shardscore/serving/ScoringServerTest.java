package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real server on 127.0.0.1 with a real ONNX model behind the batching queue: what {@code POST
 * /v1/score} answers for good rows, unscorable rows and bad requests, and that concurrent requests
 * each get their own rows back in order.
 */
class ScoringServerTest {
  @TempDir static Path dir;
  static TestModel model;
  static ScoringServer server;
  static Http http;

  @BeforeAll
  static void serve() {
    model = new TestModel(dir);
    // A 200 ms wait and room for 32 rows: 32 concurrent one-row requests meet in few model calls.
    server = model.serve(model.queue(32, 200), TestModel.anyPort().withLimits(50, 4096));
    http = new Http(server.port());
  }

  @AfterAll
  static void stop() {
    server.stop();
    model.close();
  }

  static String row(double age, double... spend) {
    StringBuilder s = new StringBuilder("{\"age\": " + age + ", \"spend\": [");
    for (int i = 0; i < spend.length; i++) {
      s.append(i > 0 ? ", " : "").append(spend[i]);
    }
    return s.append("]}").toString();
  }

  static String rows(String... rows) {
    return "{\"rows\": [" + String.join(", ", rows) + "]}";
  }

  /** Checks a result row against the MLP's own arithmetic on the same four floats. */
  static void assertPredicts(float[] features, JsonNode result) {
    double[] want = model.mlp.predict(features);
    JsonNode probs = result.get("probabilities");
    assertEquals(2, probs.size(), result.toString());
    assertEquals(want[0], Http.floatOf(probs.get(0)), 1e-5, result.toString());
    assertEquals(want[1], Http.floatOf(probs.get(1)), 1e-5, result.toString());
    assertEquals(Http.floatOf(probs.get(1)), Http.floatOf(result.get("score")));
    assertEquals(want[1] > want[0] ? 1 : 0, result.get("label").asInt());
  }

  @Test
  void rowsAreScoredInRequestOrderWithTheConfiguredNamesAndTheModelDigest() {
    Http.Reply r = http.post("/v1/score", rows(row(30, 1, 2, 3), row(-5, 0.5, 100, -7)));
    assertEquals(200, r.status(), r.body());
    JsonNode body = r.json();
    assertEquals(model.spec.digest(), body.get("model_digest").asText());
    assertEquals(2, body.get("scored").asInt());
    assertPredicts(new float[] {30, 1, 2, 3}, body.get("results").get(0));
    assertPredicts(new float[] {-5, 0.5f, 100, -7}, body.get("results").get(1));
  }

  @Test
  void responsesAreNotHeldBackByNaglesAlgorithm() {
    // The JDK's server sets TCP_NODELAY only if this is true when its first server starts; without
    // it each keep-alive response's body waited for the client's delayed ACK of its head (40 ms on
    // Linux): serve answered at most 32 / 0.04 s = 800 one-row requests a second with 32 clients.
    assertEquals("true", System.getProperty(ScoringServer.NO_DELAY));
  }

  @Test
  void unscorableRowsGetTheBatchJobsReasonsAndTheOtherRowsAreScored() {
    Http.Reply r =
        http.post(
            "/v1/score",
            rows(
                "{\"age\": null, \"spend\": [1, 2, 3]}",
                row(1, 1, 2, 3),
                "{\"age\": NaN, \"spend\": [1, 2, 3]}",
                "{\"age\": 2, \"spend\": [1, 2]}",
                "{\"age\": 3, \"spend\": [1, null, 3]}",
                "{\"age\": \"forty\", \"spend\": [1, 2, 3]}",
                "{\"age\": 1e39, \"spend\": [1, 2, 3]}",
                "{\"age\": \"7.5\", \"spend\": [1, 2, 3]}"));
    assertEquals(200, r.status(), r.body());
    JsonNode results = r.json().get("results");
    assertEquals("feature 'age' is null", results.get(0).get("error").asText());
    assertPredicts(new float[] {1, 1, 2, 3}, results.get(1));
    assertEquals("feature 'age' is NaN", results.get(2).get("error").asText());
    assertEquals(
        "feature 'spend' has 2 elements, expected 3", results.get(3).get("error").asText());
    assertEquals("feature 'spend' element 1 is null", results.get(4).get("error").asText());
    assertEquals(
        "feature 'age' value 'forty' is not a number", results.get(5).get("error").asText());
    assertEquals(
        "feature 'age' value 1.0E39 is outside float range", results.get(6).get("error").asText());
    assertPredicts(new float[] {7.5f, 1, 2, 3}, results.get(7));
    assertEquals(2, r.json().get("scored").asInt());
    assertEquals(6, r.json().get("rejected").asInt());
  }

  @Test
  void badRequestsAreRefusedWithTheReasonAndTheServerGoesOnServing() {
    String tooManyRows =
        rows(java.util.Collections.nCopies(51, row(1, 1, 1, 1)).toArray(String[]::new));
    String tooManyBytes = rows(row(1, 1, 1, 1) + " ".repeat(5000));
    Object[][] cases = {
      {"{\"rows\": [", 400, "not valid JSON"},
      {"[1, 2]", 400, "must be an object with an array \"rows\""},
      {rows("{\"spend\": [1, 2, 3]}"), 400, "rows[0] has no field 'age'"},
      {
        rows(row(1, 1, 2, 3), "{\"age\": true, \"spend\": [1, 2, 3]}"),
        400,
        "rows[1].age is a boolean"
      },
      {rows("{\"age\": 1, \"spend\": 5}"), 400, "feature 'spend[3]' is an array of 3 numbers"},
      {rows("{\"age\": [1], \"spend\": [1, 2, 3]}"), 400, "rows[0].age is an array"},
      {rows("{\"age\": 1, \"spend\": [1, {}, 3]}"), 400, "rows[0].spend holds an object"},
      {rows("7"), 400, "rows[0] is a number, not an object"},
      // Duplicate keys would be read last-wins, so a row could say two things: refused.
      {rows("{\"age\": null, \"age\": 5, \"spend\": [1, 2, 3]}"), 400, "Duplicate field 'age'"},
      {"{\"rows\": [" + row(1, 1, 2, 3) + "], \"rows\": []}", 400, "Duplicate field 'rows'"},
      // Beyond Jackson's stream limits (number length, nesting depth): a 400, not a model failure.
      {
        rows("{\"age\": 1" + "0".repeat(1500) + ", \"spend\": [1, 2, 3]}"),
        400,
        "exceeds a JSON parser limit: Number value length (1501)"
      },
      {
        rows("{\"age\": 1, \"spend\": " + "[".repeat(1100) + "]".repeat(1100) + "}"),
        400,
        "exceeds a JSON parser limit: Document nesting depth"
      },
      {tooManyRows, 413, "has more than 50 rows, the most this server takes in one request"},
      // Refused at the 51st row, before the rest is parsed: the broken end is never reached.
      {
        tooManyRows.substring(0, tooManyRows.length() - 2) + ", {\"age\": oops",
        413,
        "has more than 50 rows"
      },
      {rows(row(1, 1, 2, 3)) + " {}", 400, "content after the request object"},
      {tooManyBytes, 413, "more than this server takes (4096)"},
    };
    for (Object[] c : cases) {
      Http.Reply r = http.post("/v1/score", (String) c[0]);
      assertEquals(c[1], r.status(), r.body());
      String reason = r.json().get("error").asText();
      assertTrue(reason.contains((String) c[2]), "reason '" + reason + "' names " + c[2]);
      // Still serving, on the same connection.
      assertEquals(200, http.post("/v1/score", rows(row(1, 1, 2, 3))).status());
    }
    Http.Reply get = http.get("/v1/score");
    assertEquals(405, get.status());
    assertEquals(200, http.get("/healthz").status());
    assertEquals(200, http.get("/readyz").status());
  }

  @Test
  void concurrentRequestsAreCoalescedAndEachGetsItsOwnRowsBackInOrder() throws Exception {
    int clients = 32;
    double callsBefore =
        Metrics.value(http.get("/metrics").body(), "shardscore_serving_model_calls_total");
    List<CompletableFuture<Http.Reply>> replies = new ArrayList<>();
    List<float[][]> sent = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      float[][] features = new float[c % 3 + 1][];
      String[] json = new String[features.length];
      for (int i = 0; i < features.length; i++) {
        features[i] = new float[] {c, i, c * 0.25f, -i};
        json[i] = row(c, i, c * 0.25, -i);
      }
      sent.add(features);
      replies.add(http.postAsync("/v1/score", rows(json)));
    }
    for (int c = 0; c < clients; c++) {
      Http.Reply r = replies.get(c).get();
      assertEquals(200, r.status(), r.body());
      JsonNode results = r.json().get("results");
      assertEquals(sent.get(c).length, results.size());
      for (int i = 0; i < results.size(); i++) {
        assertPredicts(sent.get(c)[i], results.get(i));
      }
    }
    double calls =
        Metrics.value(http.get("/metrics").body(), "shardscore_serving_model_calls_total")
            - callsBefore;
    assertTrue(
        calls < clients,
        String.format(
            Locale.ROOT, "%d requests should share model calls, made %.0f", clients, calls));
  }
}

package io.shardscore.job.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.serving.ScoringServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/** Requests to a test's scoring server, and the comparison of its floats with a run's. */
public final class ServeRequests {
  /** Reads numbers as written, so a float's bits can be compared. */
  public static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private ServeRequests() {}

  /** POSTs {@code body} to {@code /v1/score}; the answer, which must be a 200. */
  public static JsonNode score(ScoringServer server, ObjectNode body)
      throws IOException, InterruptedException {
    HttpResponse<String> reply =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/score"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, reply.statusCode(), reply.body());
    return JSON.readTree(reply.body());
  }

  /** A number of a response as the float it was written from. */
  public static float floatOf(JsonNode n) {
    return Float.parseFloat(n.decimalValue().toString());
  }

  /** The run's floats and the response's array, bit for bit. */
  public static void assertSameFloats(List<Float> batch, JsonNode online, String what) {
    assertEquals(batch.size(), online.size(), what);
    for (int i = 0; i < batch.size(); i++) {
      assertEquals(
          Float.floatToIntBits(batch.get(i)),
          Float.floatToIntBits(floatOf(online.get(i))),
          what + "[" + i + "]");
    }
  }
}

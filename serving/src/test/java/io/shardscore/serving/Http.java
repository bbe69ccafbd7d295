package io.shardscore.serving;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/** A plain HTTP/1.1 client on one server's 127.0.0.1 port, for tests. */
final class Http {
  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final int port;

  /** Only a guard against a hang (the test fails instead): a correct server answers at once. */
  private static final java.time.Duration GUARD = java.time.Duration.ofSeconds(60);

  Http(int port) {
    this.port = port;
  }

  record Reply(int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).timeout(GUARD).GET().build());
  }

  Reply post(String path, String body) {
    return send(request(path, body));
  }

  CompletableFuture<Reply> postAsync(String path, String body) {
    return client
        .sendAsync(request(path, body), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Reply(r.statusCode(), r.body()));
  }

  private HttpRequest request(String path, String body) {
    return HttpRequest.newBuilder(uri(path))
        .timeout(GUARD)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** The float a JSON number in a response stands for, read from its exact decimal text. */
  static float floatOf(JsonNode n) {
    return Float.parseFloat(n.decimalValue().toString());
  }
}

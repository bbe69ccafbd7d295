package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.FeatureBatch;
import io.shardscore.model.ModelOutput;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model call that fails answers its request with a 500 naming the failure, counted, and the
 * server goes on serving: for an exception and for an {@link Error} (an engine's native or memory
 * failure), which used to leave the client waiting forever on a connection nobody answered.
 */
class ModelFailureTest {
  /** The age that makes {@link Failing} fail; every other batch goes to the real model. */
  private static final float POISON = 666;

  @TempDir Path dir;

  /** The real queue, failing every batch whose first row has {@link #POISON} as its age. */
  private record Failing(RowScorer model, RuntimeException exception, Error error)
      implements RowScorer {
    @Override
    public ModelOutput score(FeatureBatch batch) {
      if (batch.values()[0] == POISON) {
        if (error != null) {
          throw error;
        }
        throw exception;
      }
      return model.score(batch);
    }

    @Override
    public void observe(ServingMetrics metrics) {
      model.observe(metrics);
    }
  }

  @Test
  void aFailingModelCallIsA500AndTheServerGoesOnServing() throws Exception {
    TestModel model = new TestModel(dir);
    RowScorer scorer =
        new Failing(model.queue(32, 1), new IllegalStateException("engine said no"), null);
    assertFailuresAnswered(model, scorer, "engine said no");
  }

  @Test
  void anErrorInTheModelIsA500TooInsteadOfAnUnansweredConnection() throws Exception {
    TestModel model = new TestModel(dir);
    RowScorer scorer =
        new Failing(model.queue(32, 1), null, new OutOfMemoryError("native arena exhausted"));
    assertFailuresAnswered(model, scorer, "native arena exhausted");
  }

  private static void assertFailuresAnswered(TestModel model, RowScorer scorer, String cause)
      throws Exception {
    ScoringServer server = model.serve(scorer, TestModel.anyPort());
    try {
      // A request timeout only as a guard against a hang: a correct server answers at once.
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest poisoned =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/score"))
              .timeout(Duration.ofSeconds(30))
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      ScoringServerTest.rows(ScoringServerTest.row(POISON, 1, 2, 3))))
              .build();
      HttpResponse<String> r = client.send(poisoned, HttpResponse.BodyHandlers.ofString());
      assertEquals(500, r.statusCode(), r.body());
      assertTrue(r.body().contains("The model failed on this request's rows"), r.body());
      assertTrue(r.body().contains(cause), r.body());

      Http http = new Http(server.port());
      assertEquals(
          200,
          http.post("/v1/score", ScoringServerTest.rows(ScoringServerTest.row(1, 1, 2, 3)))
              .status());
      String metrics = http.get("/metrics").body();
      assertEquals(1, Metrics.value(metrics, "shardscore_serving_errors_total{reason=\"model\"}"));
      assertEquals(1, Metrics.value(metrics, "shardscore_serving_requests_total{status=\"500\"}"));
      assertEquals(0, server.inFlight());
    } finally {
      server.stop();
      model.close();
    }
  }
}

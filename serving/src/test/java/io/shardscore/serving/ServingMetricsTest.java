package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} of a fresh server counts exactly the requests, rows and errors sent to it. */
class ServingMetricsTest {
  @TempDir Path dir;

  @Test
  void metricsMatchTheRequestsSent() {
    TestModel model = new TestModel(dir);
    ScoringServer server =
        model.serve(model.queue(64, 0), TestModel.anyPort().withLimits(5, 1 << 20));
    Http http = new Http(server.port());
    try {
      String good = ScoringServerTest.row(1, 2, 3, 4);
      String nullAge = "{\"age\": null, \"spend\": [1, 2, 3]}";
      for (int i = 0; i < 4; i++) {
        assertEquals(
            200, http.post("/v1/score", ScoringServerTest.rows(good, good, good)).status());
      }
      assertEquals(200, http.post("/v1/score", ScoringServerTest.rows(good, nullAge)).status());
      assertEquals(200, http.post("/v1/score", ScoringServerTest.rows(nullAge)).status());
      assertEquals(400, http.post("/v1/score", "not json").status());
      assertEquals(400, http.post("/v1/score", ScoringServerTest.rows("{}")).status());
      String six = ScoringServerTest.rows(good, good, good, good, good, good);
      assertEquals(413, http.post("/v1/score", six).status());

      String m = http.get("/metrics").body();
      assertEquals(6, Metrics.value(m, "shardscore_serving_requests_total{status=\"200\"}"), m);
      assertEquals(2, Metrics.value(m, "shardscore_serving_requests_total{status=\"400\"}"), m);
      assertEquals(1, Metrics.value(m, "shardscore_serving_requests_total{status=\"413\"}"), m);
      assertEquals(13, Metrics.value(m, "shardscore_serving_rows_total{outcome=\"scored\"}"), m);
      assertEquals(2, Metrics.value(m, "shardscore_serving_rows_total{outcome=\"rejected\"}"), m);
      assertEquals(
          2, Metrics.value(m, "shardscore_serving_errors_total{reason=\"bad_request\"}"), m);
      assertEquals(1, Metrics.value(m, "shardscore_serving_errors_total{reason=\"too_large\"}"), m);
      assertEquals(9, Metrics.value(m, "shardscore_serving_request_duration_seconds_count"), m);
      // 5 requests with scorable rows, one model call each (no wait); the warm-up is not counted.
      assertEquals(5, Metrics.value(m, "shardscore_serving_model_calls_total"), m);
      assertEquals(5, Metrics.value(m, "shardscore_serving_batch_rows_count"), m);
      assertEquals(13, Metrics.value(m, "shardscore_serving_batch_rows_sum"), m);
      assertEquals(0, Metrics.value(m, "shardscore_serving_queue_depth"), m);
      assertEquals(0, Metrics.value(m, "shardscore_serving_in_flight"), m);
      assertEquals(1, Metrics.value(m, "shardscore_serving_ready"), m);
      assertTrue(Metrics.value(m, "shardscore_serving_model_loads_total") >= 1, m);
    } finally {
      server.stop();
      model.close();
    }
  }
}

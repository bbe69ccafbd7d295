package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /**
   * The queue-depth autoscaler ({@code docker/serving/k8s/queue-depth/}) scales on a metric that
   * prometheus-adapter's rule must find among the series a server exports: a renamed gauge would
   * leave the autoscaler without a metric, which Kubernetes reports only as a condition on it.
   */
  @Test
  void theQueueDepthAutoscalerScalesOnAGaugeTheServerExports() throws IOException {
    Path manifests = Path.of("../docker/serving/k8s/queue-depth");
    String hpa = Files.readString(manifests.resolve("hpa.yaml"));
    String rules = Files.readString(manifests.resolve("prometheus-adapter-rules.yaml"));
    List<String> scaledOn = all(Pattern.compile("metric:\\s+name: (\\S+)"), hpa);
    assertEquals(List.of("shardscore_serving_queue_depth"), scaledOn, hpa);
    List<String> series = all(Pattern.compile("seriesQuery: '(\\w+)\\{"), rules);
    List<String> served = all(Pattern.compile("as: \"(\\w+)\""), rules);
    assertEquals(scaledOn, served, "the adapter serves the metric the autoscaler reads: " + rules);
    assertEquals(scaledOn, series, "the adapter reads the series of that name: " + rules);

    TestModel model = new TestModel(dir);
    ScoringServer server = model.serve(model.queue(64, 0), TestModel.anyPort());
    try {
      String m = new Http(server.port()).get("/metrics").body();
      for (String name : series) {
        assertTrue(m.contains("# TYPE " + name + " gauge\n"), name + " is a gauge in:\n" + m);
      }
    } finally {
      server.stop();
      model.close();
    }
  }

  private static List<String> all(Pattern pattern, String text) {
    List<String> found = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }
}

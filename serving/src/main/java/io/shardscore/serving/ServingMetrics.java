package io.shardscore.serving;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.shardscore.model.DeviceBatcher;
import io.shardscore.model.ModelEvents;
import io.shardscore.model.ModelRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What one server reports at {@code /metrics}, in Prometheus text format: score requests by status,
 * rows by outcome, request latency, model-call batch sizes, the batching queue's depth, requests in
 * flight, errors by reason, model loads and readiness. Its own registry, so two servers in one JVM
 * (tests) do not share counters. Through the batching queue, model-call sizes come from the
 * JVM-wide {@link ModelEvents}, to which the JVM's owner subscribes these metrics (see {@link
 * ScoringServer#modelEvents}).
 */
public final class ServingMetrics implements ModelEvents.Listener {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter requests;
  private final Counter rows;
  private final Counter errors;
  private final Counter modelCalls;
  private final Histogram latency;
  private final Histogram batchRows;

  public ServingMetrics(IntSupplier inFlight, BooleanSupplier ready) {
    requests =
        Counter.builder()
            .name("shardscore_serving_requests_total")
            .help("POST /v1/score requests answered, by HTTP status")
            .labelNames("status")
            .register(registry);
    rows =
        Counter.builder()
            .name("shardscore_serving_rows_total")
            .help("Rows received in answered score requests, by outcome (scored, rejected)")
            .labelNames("outcome")
            .register(registry);
    errors =
        Counter.builder()
            .name("shardscore_serving_errors_total")
            .help("Score requests that failed as a whole, by reason")
            .labelNames("reason")
            .register(registry);
    modelCalls =
        Counter.builder()
            .name("shardscore_serving_model_calls_total")
            .help("Model calls made for score requests (after coalescing)")
            .register(registry);
    latency =
        Histogram.builder()
            .name("shardscore_serving_request_duration_seconds")
            .help("Time from reading a score request to its response being ready to write")
            .classicOnly()
            .classicUpperBounds(
                .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
            .register(registry);
    batchRows =
        Histogram.builder()
            .name("shardscore_serving_batch_rows")
            .help("Rows per model call")
            .classicOnly()
            .classicExponentialUpperBounds(1, 2, 14)
            .register(registry);
    GaugeWithCallback.builder()
        .name("shardscore_serving_queue_depth")
        .help("Batches waiting in the model's batching queue")
        .callback(c -> c.call(DeviceBatcher.queuedBatches()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("shardscore_serving_in_flight")
        .help("Score requests being served now")
        .callback(c -> c.call(inFlight.getAsInt()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("shardscore_serving_ready")
        .help("1 while /readyz answers 200")
        .callback(c -> c.call(ready.getAsBoolean() ? 1 : 0))
        .register(registry);
    CounterWithCallback.builder()
        .name("shardscore_serving_model_loads_total")
        .help("Models loaded by this JVM")
        .callback(c -> c.call(ModelRegistry.loadCount()))
        .register(registry);
  }

  /** A score request answered with {@code status}, its rows scored or rejected, in seconds. */
  public void answered(int status, int scored, int rejected, double seconds) {
    requests.labelValues(Integer.toString(status)).inc();
    if (scored > 0) {
      rows.labelValues("scored").inc(scored);
    }
    if (rejected > 0) {
      rows.labelValues("rejected").inc(rejected);
    }
    latency.observe(seconds);
  }

  /** A score request that failed as a whole. */
  public void failed(int status, String reason, double seconds) {
    requests.labelValues(Integer.toString(status)).inc();
    errors.labelValues(reason).inc();
    latency.observe(seconds);
  }

  /** One model call on {@code rows} rows. */
  public void modelCall(int rows) {
    modelCalls.inc();
    batchRows.observe(rows);
  }

  public void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }

  public String contentType() {
    return writer.getContentType();
  }

  @Override
  public void modelLoaded(long millis) {}

  @Override
  public void coalesced(int batches, int rows) {
    modelCall(rows);
  }

  @Override
  public void halved(int rows) {}
}

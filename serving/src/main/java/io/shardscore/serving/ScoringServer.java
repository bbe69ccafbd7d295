package io.shardscore.serving;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.ModelOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One online scoring instance: {@code POST /v1/score}, {@code GET /healthz}, {@code GET /readyz},
 * {@code GET /metrics} on the JDK's HTTP server, bound to {@link ServerSettings#host}. Ready once
 * the model answered one warm-up batch through the same path as requests, and while its model calls
 * do not keep failing ({@link Readiness}); {@link #drain} turns readiness off while requests are
 * still served, and {@link #stop} stops accepting connections, lets the requests in flight finish
 * (bounded) and releases the model.
 *
 * <p>Two thread pools: the server's own threads read request heads and answer the probes and {@code
 * /metrics} at once; a score request is handed to the scoring threads ({@link
 * ServerSettings#threads}), which read its body, call the model and answer. So requests waiting on
 * a saturated or hung model never hold up {@code /healthz}, and the liveness probe does not kill an
 * instance that is only busy.
 */
public final class ScoringServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(ScoringServer.class);
  private static final String JSON = "application/json";

  /**
   * The JDK server's own limit, in seconds, on receiving one request (head and body, from its first
   * byte, including any wait for a free request thread); read once per JVM, when its first server
   * is created. Without it a client that stalls mid-request holds a request thread forever, and
   * {@link ServerSettings#threads} of them stop the instance, {@code /healthz} included.
   */
  private static final String MAX_REQUEST_SECONDS = "sun.net.httpserver.maxReqTime";

  /**
   * The JDK's server leaves Nagle's algorithm on unless this is {@code true}: it writes a
   * response's head and body as two segments, and the body then waits for the client's delayed ACK
   * of the head (40 ms on Linux) on every keep-alive request. Set before the first server of the
   * JVM starts (the JDK reads it once); {@code -Dsun.net.httpserver.nodelay=false} keeps the JDK's
   * default.
   */
  static final String NO_DELAY = "sun.net.httpserver.nodelay";

  public static final Duration DEFAULT_REQUEST_TIME_LIMIT = Duration.ofSeconds(30);
  private static boolean created;

  static {
    if (System.getProperty(NO_DELAY) == null) {
      System.setProperty(NO_DELAY, "true");
    }
    if (System.getProperty(MAX_REQUEST_SECONDS) == null) {
      System.setProperty(
          MAX_REQUEST_SECONDS, Long.toString(DEFAULT_REQUEST_TIME_LIMIT.toSeconds()));
    }
  }

  private final ObjectMapper json =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();
  private final ServerSettings settings;
  private final RowDecoder decoder;
  private final PredictionOutputs outputs;
  private final String modelDigest;
  private final RowScorer scorer;
  private final ServingMetrics metrics;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Readiness readiness;
  private final ReentrantLock probing = new ReentrantLock();
  private final HttpServer http;
  private final ThreadPoolExecutor io;
  private final ThreadPoolExecutor threads;
  private volatile boolean draining;
  private Boolean stoppedClean;

  private ScoringServer(
      ServerSettings settings,
      RowDecoder decoder,
      PredictionOutputs outputs,
      String modelDigest,
      RowScorer scorer)
      throws IOException {
    this.settings = settings;
    this.decoder = decoder;
    this.outputs = outputs;
    this.modelDigest = modelDigest;
    this.scorer = scorer;
    this.readiness = new Readiness(settings.unreadyAfterFailures());
    this.metrics = new ServingMetrics(inFlight::get, readiness::ready);
    markCreated();
    this.http = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 128);
    this.io = pool(Math.max(MIN_IO_THREADS, settings.threads()), "shardscore-serving-io-");
    this.threads = pool(settings.threads(), "shardscore-serving-");
    http.setExecutor(io);
    http.createContext("/v1/score", this::dispatch);
    http.createContext("/healthz", ex -> text(ex, 200, "ok\n"));
    http.createContext("/readyz", this::readyz);
    http.createContext("/metrics", this::metrics);
  }

  /**
   * The fewest of the server's own threads, which read request heads (each bounded by the request
   * time limit: a client stalled mid-head holds one that long) and answer the probes, never a model
   * call but while a failing instance retries its warm-up. There are as many as scoring threads, at
   * least this many, started as connections come.
   */
  private static final int MIN_IO_THREADS = 8;

  private static ThreadPoolExecutor pool(int size, String name) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        size,
        size,
        0,
        TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, name + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Starts listening, warms the model with one zero row through {@code scorer}, then turns ready.
   * The server owns {@code scorer} from here on and closes it in {@link #stop}. If it cannot listen
   * (an {@link IOException}: the port is taken) or the warm-up fails (a {@link
   * io.shardscore.model.ModelLoadException}), nothing of the server is left (no thread, no port)
   * and the caller still owns {@code scorer}.
   */
  public static ScoringServer start(
      ServerSettings settings,
      RowDecoder decoder,
      PredictionOutputs outputs,
      String modelDigest,
      RowScorer scorer)
      throws IOException {
    ScoringServer server = new ScoringServer(settings, decoder, outputs, modelDigest, scorer);
    server.http.start();
    try {
      server.warmUp();
    } catch (RuntimeException | Error e) {
      server.http.stop(0);
      server.io.shutdownNow();
      server.threads.shutdownNow();
      throw new io.shardscore.model.ModelLoadException(
          "The model failed its warm-up batch (one row of zeros), so this instance never turned"
              + " ready: "
              + e
              + ". Check that the model scores a batch of the configured features.",
          e);
    }
    scorer.observe(server.metrics); // from here on: the warm-up is not a request's call
    server.readiness.warmedUp();
    LOG.info(
        "Serving model {} on http://{}:{}/v1/score ({} features, at most {} rows and {} bytes a"
            + " request)",
        modelDigest.substring(0, Math.min(12, modelDigest.length())),
        settings.host(),
        server.port(),
        decoder.width(),
        settings.maxRows(),
        settings.maxBytes());
    return server;
  }

  /**
   * JVM-wide: a connection whose request has not arrived in full within {@code limit} (whole
   * seconds, at least 1) is closed by the JDK's server, freeing its request thread. Default {@link
   * #DEFAULT_REQUEST_TIME_LIMIT}, or {@code -Dsun.net.httpserver.maxReqTime}; call it before the
   * first server of this JVM starts (the JDK reads it once).
   */
  public static synchronized void limitRequestTime(Duration limit) {
    String seconds = Long.toString(Math.max(1, limit.toSeconds()));
    if (created && !seconds.equals(System.getProperty(MAX_REQUEST_SECONDS))) {
      throw new IllegalStateException(
          "The request time limit must be set before the first server of this JVM starts; it is "
              + System.getProperty(MAX_REQUEST_SECONDS)
              + " s.");
    }
    System.setProperty(MAX_REQUEST_SECONDS, seconds);
  }

  private static synchronized void markCreated() {
    created = true;
  }

  /**
   * This server's metrics as a listener of the JVM's model events, which give the rows of each
   * coalesced model call: the owner of the JVM (the serve command) passes it to {@link
   * io.shardscore.model.ModelEvents#listen}; a library caller sharing the JVM with a Spark
   * executor's metrics leaves it alone.
   */
  public io.shardscore.model.ModelEvents.Listener modelEvents() {
    return metrics;
  }

  /** The port it listens on (the one picked when {@link ServerSettings#port} was 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  public boolean ready() {
    return readiness.ready();
  }

  /** Score requests being served now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Readiness off: a load balancer stops sending, while requests that still come are served. */
  public void drain() {
    readiness.drain();
    draining = true;
  }

  /**
   * Drains, stops accepting connections, waits up to {@link ServerSettings#drainTimeout} until no
   * request is being read or answered, closes the connections, then releases the model. Idempotent.
   *
   * @return whether every score request it accepted was answered (false: the drain timeout cut some
   *     off)
   */
  public synchronized boolean stop() {
    if (stoppedClean != null) {
      return stoppedClean;
    }
    drain();
    int before = inFlight.get();
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    // JDK 17's HttpServer.stop(delay) closes the listener at once but then waits the whole delay
    // unless an exchange ends meanwhile (JDK-8304065, fixed in 21): it closes the listener on a
    // thread of its own, and a second stop(0) ends it once nothing is in flight.
    int seconds =
        (int) Math.max(1, Math.min(Integer.MAX_VALUE, settings.drainTimeout().toSeconds()));
    Thread closer = new Thread(() -> http.stop(seconds), "shardscore-serving-close");
    closer.setDaemon(true);
    closer.start();
    awaitListenerClosed(deadline);
    awaitQuiet(deadline);
    http.stop(0);
    threads.shutdown();
    io.shutdown();
    try {
      closer.join(TimeUnit.SECONDS.toMillis(seconds));
      threads.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      io.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int left = inFlight.get();
    if (left > 0) {
      LOG.warn(
          "Stopped with {} score requests still in flight after {} s; raise --drain-timeout.",
          left,
          seconds);
    }
    threads.shutdownNow(); // a request thread still held by the model must not outlive stop
    io.shutdownNow();
    scorer.close();
    LOG.info("Stopped serving ({} requests were in flight when the drain began)", before);
    stoppedClean = left == 0;
    return stoppedClean;
  }

  /** Until a new connection to this server is refused, or the deadline. */
  private void awaitListenerClosed(long deadline) {
    InetSocketAddress self = new InetSocketAddress(settings.host(), port());
    while (System.nanoTime() < deadline) {
      try (java.net.Socket probe = new java.net.Socket()) {
        probe.connect(self, 200);
      } catch (java.net.ConnectException refused) {
        return;
      } catch (IOException other) {
        return; // not reachable any more either way
      }
      pause();
    }
  }

  /** Until no request thread is busy and none is queued, or the deadline. */
  private void awaitQuiet(long deadline) {
    while (System.nanoTime() < deadline
        && (threads.getActiveCount() > 0
            || !threads.getQueue().isEmpty()
            || io.getActiveCount() > 0
            || !io.getQueue().isEmpty()
            || inFlight.get() > 0)) {
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** One zero row through the scorer, as requests go: what readiness starts and recovers from. */
  private void warmUp() {
    int width = decoder.width();
    scorer.score(new FeatureBatch(new float[width], 1, width));
  }

  /**
   * {@code /readyz}. While failing, a check retries the warm-up batch first (one check at a time;
   * others answer the state as it is), since a load balancer sends a failing instance nothing that
   * could show it recovered.
   */
  private void readyz(HttpExchange ex) throws IOException {
    if (readiness.failing() && probing.tryLock()) {
      try {
        warmUp();
        readiness.succeeded();
        LOG.info("The model answered the warm-up batch again: ready");
      } catch (RuntimeException | Error e) {
        readiness.failed(e);
      } finally {
        probing.unlock();
      }
    }
    boolean ready = readiness.ready();
    text(ex, ready ? 200 : 503, readiness.describe() + "\n");
  }

  /**
   * Hands a score request to the scoring threads, counted in flight from here, so the server's own
   * threads stay free for the probes. The exchange stays open until the scoring thread answers.
   */
  private void dispatch(HttpExchange ex) {
    long t0 = System.nanoTime();
    inFlight.incrementAndGet();
    try {
      threads.execute(() -> score(ex, t0));
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      inFlight.decrementAndGet(); // only past the drain timeout: the connection is closed
      ex.close();
    }
  }

  private void score(HttpExchange ex, long t0) {
    try {
      scoreRequest(ex, t0);
    } catch (IOException e) {
      LOG.debug("A score request's client went away: {}", e.toString());
    } finally {
      ex.close();
      inFlight.decrementAndGet();
    }
  }

  private void scoreRequest(HttpExchange ex, long t0) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().add("Allow", "POST");
      fail(ex, 405, "method", "/v1/score takes POST with a JSON body {\"rows\": [...]}.", t0);
      return;
    }
    ObjectNode response;
    int[] counts = new int[2];
    try {
      response = answer(readBody(ex), counts);
    } catch (BadRequest e) {
      fail(ex, e.status(), e.status() == 413 ? "too_large" : "bad_request", e.getMessage(), t0);
      return;
    } catch (RuntimeException | Error e) {
      // An Error too (an engine's native or memory failure): unanswered, the JDK's server would
      // leave the client waiting on the connection forever.
      LOG.warn("A score request failed in the model: {}", e.toString());
      fail(ex, 500, "model", "The model failed on this request's rows: " + e.getMessage(), t0);
      return;
    }
    byte[] body = json.writeValueAsBytes(response);
    // Counted before the client can read its answer, so a scrape after it includes it.
    metrics.answered(200, counts[0], counts[1], seconds(t0));
    send(ex, 200, JSON, body);
  }

  /** Decodes, scores and answers one request; {@code counts} gets {scored, rejected}. */
  private ObjectNode answer(byte[] body, int[] counts) {
    List<JsonNode> rows = readRows(body);
    int n = rows.size();
    int width = decoder.width();
    float[] values = new float[Math.max(1, n) * width];
    String[] reasons = new String[n];
    int scorable = 0;
    for (int i = 0; i < n; i++) {
      reasons[i] = decoder.fill(rows.get(i), i, values, scorable * width);
      if (reasons[i] == null) {
        scorable++;
      }
    }
    ModelOutput out = scorable == 0 ? null : callModel(new FeatureBatch(values, scorable, width));
    ObjectNode response = json.createObjectNode();
    response.put("model_digest", modelDigest);
    response.put("rows", n);
    response.put("scored", scorable);
    response.put("rejected", n - scorable);
    ArrayNode results = response.putArray("results");
    int r = 0;
    for (int i = 0; i < n; i++) {
      ObjectNode row = results.addObject();
      if (reasons[i] != null) {
        row.put("error", reasons[i]);
      } else {
        outputs.write(out, r++, row);
      }
    }
    counts[0] = scorable;
    counts[1] = n - scorable;
    return response;
  }

  /** The model's answer for {@code batch}, its success or failure told to readiness. */
  private ModelOutput callModel(FeatureBatch batch) {
    ModelOutput out;
    try {
      out = scorer.score(batch);
    } catch (RuntimeException | Error e) {
      readiness.failed(e);
      if (readiness.failing()) {
        LOG.warn("Not ready: {}", readiness.describe());
      }
      throw e;
    }
    readiness.succeeded();
    return out;
  }

  /**
   * The rows of {@code {"rows": [...]}}, parsed one at a time: a request over the row limit is
   * refused at its first row too many, before the rest of it becomes a tree in memory.
   */
  private List<JsonNode> readRows(byte[] body) {
    try (JsonParser p = json.createParser(body)) {
      List<JsonNode> rows = null;
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw notRowsObject();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean isRows = "rows".equals(p.currentName());
        JsonToken value = p.nextToken();
        if (!isRows) {
          p.skipChildren();
          continue;
        }
        if (value != JsonToken.START_ARRAY) {
          throw notRowsObject();
        }
        rows = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (rows.size() == settings.maxRows()) {
            throw new BadRequest(
                413,
                "The request has more than "
                    + settings.maxRows()
                    + " rows, the most this server takes in one request; split it, or start the"
                    + " server with a larger --max-request-rows.");
          }
          rows.add(json.readTree(p));
        }
      }
      if (rows == null) {
        throw notRowsObject();
      }
      if (p.nextToken() != null) {
        throw new BadRequest(
            400, "The request body is not valid JSON: content after the request object.");
      }
      return rows;
    } catch (StreamConstraintsException e) {
      throw new BadRequest(
          400, "The request body exceeds a JSON parser limit: " + e.getOriginalMessage() + ".");
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new BadRequest(
          400,
          "The request body is not valid JSON: "
              + e.getOriginalMessage()
              + (at == null
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
              + ".");
    } catch (IOException e) {
      throw new BadRequest(400, "The request body cannot be read: " + e.getMessage());
    }
  }

  private static BadRequest notRowsObject() {
    return new BadRequest(
        400, "The request body must be an object with an array \"rows\": {\"rows\": [{...}]}.");
  }

  private byte[] readBody(HttpExchange ex) {
    long limit = settings.maxBytes();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          throw tooLarge(declared.trim());
        }
      } catch (NumberFormatException e) {
        throw new BadRequest(400, "Content-Length '" + declared + "' is not a number.");
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      byte[] buf = new byte[16384];
      int read;
      while ((read = in.read(buf)) > 0) {
        body.write(buf, 0, read);
        if (body.size() > limit) {
          throw tooLarge("more than " + limit);
        }
      }
      return body.toByteArray();
    } catch (IOException e) {
      throw new BadRequest(400, "The request body cannot be read: " + e.getMessage());
    }
  }

  private BadRequest tooLarge(String size) {
    return new BadRequest(
        413,
        "The request body has "
            + size
            + " bytes, more than this server takes ("
            + settings.maxBytes()
            + "); split the rows over several requests, or start the server with a larger"
            + " --max-request-bytes.");
  }

  /**
   * Answers a request that failed as a whole. What is left of a refused body is not read here: the
   * JDK's server reads at most 64 KiB of it after the response and otherwise closes the connection,
   * so a client that declares or streams a huge body does not hold a thread reading it.
   */
  private void fail(HttpExchange ex, int status, String reason, String message, long t0)
      throws IOException {
    if (status == 413) {
      ex.getResponseHeaders().set("Connection", "close"); // the unread body spoils the connection
    }
    byte[] body = json.writeValueAsBytes(json.createObjectNode().put("error", message));
    metrics.failed(status, reason, seconds(t0));
    send(ex, status, JSON, body);
  }

  private void metrics(HttpExchange ex) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.write(out);
    send(ex, 200, metrics.contentType(), out.toByteArray());
  }

  private void text(HttpExchange ex, int status, String body) throws IOException {
    send(ex, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  private void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if (draining) {
      // Draining: the client's next request opens a new connection, which goes elsewhere.
      ex.getResponseHeaders().set("Connection", "close");
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
      out.flush(); // the client has its answer before any unread request body is skipped
    }
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}

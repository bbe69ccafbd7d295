package io.shardscore.job.cli;

import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.serve.OnlineScoring;
import io.shardscore.model.ModelEvents;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardscore serve}: the job file's model online over HTTP until SIGTERM, then a graceful
 * drain. Reads only {@code model:} and {@code scoring:}; starts no Spark session.
 */
@Command(
    name = "serve",
    description = {
      "Serve the job file's model over HTTP: POST /v1/score, GET /healthz, /readyz, /metrics.",
      "Reads the model: and scoring: sections (same keys and checks as run). Concurrent requests",
      "are coalesced by the batching queue (scoring.queue-max-rows, scoring.queue-max-wait-ms).",
      "SIGTERM or SIGINT: /readyz turns 503 (--drain-delay), requests in flight finish",
      "(--drain-timeout), then it exits.",
      "",
      "Exit codes: 0 stopped by SIGTERM/SIGINT after answering every request it accepted;",
      "2 invalid config, or the model does not load or fails its warm-up batch (nothing served);",
      "4 cannot listen on --host:--port (in use), or the drain timeout cut requests off;",
      "1 unexpected failure."
    },
    mixinStandardHelpOptions = true)
final class ServeCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "Job YAML file.")
  Path config;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on (0: any free port). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--host",
      defaultValue = ServerSettings.DEFAULT_HOST,
      description = "Address to bind. Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(
      names = "--max-request-rows",
      defaultValue = "10000",
      description = "Most rows one request may carry (more: 413). Default: ${DEFAULT-VALUE}.")
  int maxRows;

  @Option(
      names = "--max-request-bytes",
      defaultValue = "8388608",
      description = "Most bytes one request body may have (more: 413). Default: ${DEFAULT-VALUE}.")
  long maxBytes;

  @Option(
      names = "--threads",
      defaultValue = "64",
      description = "Requests served at once. Default: ${DEFAULT-VALUE}.")
  int threads;

  @Option(
      names = "--drain-delay",
      defaultValue = "0",
      paramLabel = "SECONDS",
      description =
          "After SIGTERM, keep serving with /readyz at 503 this long before closing the listener,"
              + " so a load balancer sees the instance leave. Default: ${DEFAULT-VALUE}.")
  int drainDelaySeconds;

  @Option(
      names = "--drain-timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "Most time to wait for requests in flight. Default: ${DEFAULT-VALUE}.")
  int drainTimeoutSeconds;

  @Option(
      names = "--request-timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description =
          "Close a connection whose request (head and body) has not arrived in full this long"
              + " after its first byte, so a stalled client does not hold a request thread."
              + " Default: ${DEFAULT-VALUE}.")
  int requestTimeoutSeconds;

  @Option(
      names = "--unready-after-failures",
      defaultValue = "" + ServerSettings.DEFAULT_UNREADY_AFTER_FAILURES,
      paramLabel = "N",
      description =
          "After N score requests in a row whose model call failed, /readyz answers 503 (with the"
              + " reason) until a model call succeeds again; while failing, each /readyz check"
              + " retries the warm-up batch. Default: ${DEFAULT-VALUE}.")
  int unreadyAfterFailures;

  @Option(
      names = "--batching",
      defaultValue = "queue",
      description =
          "queue: coalesce concurrent requests into one model call; per-request: one model call"
              + " per request. Default: ${DEFAULT-VALUE}.")
  String batching;

  @Override
  public Integer call() throws InterruptedException {
    OnlineScoring.Batching mode =
        switch (batching.trim().toLowerCase(java.util.Locale.ROOT)) {
          case "queue" -> OnlineScoring.Batching.QUEUE;
          case "per-request" -> OnlineScoring.Batching.PER_REQUEST;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(),
                  "--batching is '" + batching + "'; use queue or per-request.");
        };
    requireAtLeast(requestTimeoutSeconds, 1, "--request-timeout");
    requireAtLeast(drainDelaySeconds, 0, "--drain-delay");
    requireAtLeast(drainTimeoutSeconds, 0, "--drain-timeout");
    ServerSettings settings;
    try {
      settings =
          new ServerSettings(
              host,
              port,
              maxRows,
              maxBytes,
              threads,
              Duration.ofSeconds(drainTimeoutSeconds),
              unreadyAfterFailures);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    // JVM-wide, read once by the JDK's HTTP server: set before the server is created.
    ScoringServer.limitRequestTime(Duration.ofSeconds(requestTimeoutSeconds));
    ScoringServer server = OnlineScoring.start(JobConfigReader.read(config), settings, mode);
    // This process is the server's alone: its metrics hear every coalesced model call.
    ModelEvents.listen(server.modelEvents());
    StopSignal signal = StopSignal.install();
    // Any other end of the JVM (SIGHUP, or SIGTERM where the JVM keeps the signals): drain too;
    // the JVM then exits with its own status (143 for SIGTERM).
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> drainAndStop(server), "shardscore-serve-drain"));
    System.out.println(
        "shardscore serve: listening on http://" + host + ":" + server.port() + " (ready)");
    if (signal == null) {
      new CountDownLatch(1).await(); // until the shutdown hook drains and the JVM exits
    }
    String received = signal.await();
    System.out.println("shardscore serve: " + received + ", draining");
    if (!drainAndStop(server)) {
      System.err.println(
          "shardscore: the drain timeout ("
              + drainTimeoutSeconds
              + " s) cut score requests off; raise --drain-timeout.");
      return ExitCode.NOT_COMMITTED;
    }
    return ExitCode.OK;
  }

  /** Readiness off, the load balancer's notice period, then stop; whether nothing was cut off. */
  private boolean drainAndStop(ScoringServer server) {
    synchronized (this) {
      if (drained) {
        return server.stop(); // the other path drains or drained it: its result
      }
      drained = true;
    }
    server.drain();
    try {
      Thread.sleep(drainDelaySeconds * 1000L); // the load balancer's notice period
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boolean clean = server.stop();
    System.out.println("shardscore serve: drained and stopped");
    return clean;
  }

  private boolean drained;

  /** A usage error before anything starts (a negative delay would throw in the drain hook). */
  private void requireAtLeast(int seconds, int min, String flag) {
    if (seconds < min) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          flag + " is " + seconds + " seconds; it must be at least " + min + ".");
    }
  }
}

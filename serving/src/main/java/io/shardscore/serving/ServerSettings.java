package io.shardscore.serving;

import java.time.Duration;

/**
 * How one serving instance listens and what it accepts.
 *
 * @param host the address to bind; 127.0.0.1 unless the instance is meant to be reached from
 *     elsewhere
 * @param port the port; 0 picks a free one
 * @param maxRows the most rows one score request may carry (larger: 413)
 * @param maxBytes the most bytes one score request body may have (larger: 413)
 * @param threads request threads: the most requests served at once (more wait for a thread)
 * @param drainTimeout how long a stopping server waits for requests in flight
 * @param unreadyAfterFailures score requests in a row whose model call failed that turn {@code
 *     /readyz} to 503 until a model call succeeds again (see {@link Readiness})
 */
public record ServerSettings(
    String host,
    int port,
    int maxRows,
    long maxBytes,
    int threads,
    Duration drainTimeout,
    int unreadyAfterFailures) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_MAX_ROWS = 10_000;
  public static final long DEFAULT_MAX_BYTES = 8L << 20;
  public static final int DEFAULT_THREADS = 64;
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_UNREADY_AFTER_FAILURES = 3;

  public ServerSettings {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be 0..65535, not " + port);
    }
    if (maxRows < 1 || maxBytes < 2 || threads < 1) {
      throw new IllegalArgumentException(
          "--max-request-rows, --max-request-bytes and --threads must be positive");
    }
    if (unreadyAfterFailures < 1) {
      throw new IllegalArgumentException(
          "--unready-after-failures must be at least 1, not " + unreadyAfterFailures);
    }
  }

  /** The defaults on {@code port}. */
  public static ServerSettings onPort(int port) {
    return new ServerSettings(
        DEFAULT_HOST,
        port,
        DEFAULT_MAX_ROWS,
        DEFAULT_MAX_BYTES,
        DEFAULT_THREADS,
        DEFAULT_DRAIN_TIMEOUT,
        DEFAULT_UNREADY_AFTER_FAILURES);
  }

  public ServerSettings withLimits(int rows, long bytes) {
    return new ServerSettings(host, port, rows, bytes, threads, drainTimeout, unreadyAfterFailures);
  }

  public ServerSettings withThreads(int n) {
    return new ServerSettings(host, port, maxRows, maxBytes, n, drainTimeout, unreadyAfterFailures);
  }

  public ServerSettings withUnreadyAfterFailures(int failures) {
    return new ServerSettings(host, port, maxRows, maxBytes, threads, drainTimeout, failures);
  }
}

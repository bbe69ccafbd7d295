package io.shardscore.serving;

/**
 * Whether an instance should get requests, and why not: not ready until the warm-up batch passed;
 * failing after {@code failuresToUnready} score requests in a row whose model call failed (a model
 * that fails every call must leave the load balancer's pool, not answer 500s to everything it is
 * sent); ready again after the next model call that succeeds; draining for good once a stop began.
 * Thread-safe.
 */
final class Readiness {
  private final int failuresToUnready;
  private boolean warmedUp;
  private boolean draining;
  private int failuresInARow;
  private String lastFailure;

  /**
   * @param failuresToUnready failed model calls in a row that turn readiness off, at least 1
   */
  Readiness(int failuresToUnready) {
    this.failuresToUnready = failuresToUnready;
  }

  synchronized void warmedUp() {
    warmedUp = true;
    failuresInARow = 0;
  }

  synchronized void drain() {
    draining = true;
  }

  /** A model call answered: a failing instance is ready again. */
  synchronized void succeeded() {
    failuresInARow = 0;
  }

  /** A model call failed with {@code cause}. */
  synchronized void failed(Throwable cause) {
    failuresInARow++;
    lastFailure = String.valueOf(cause.getMessage());
  }

  synchronized boolean ready() {
    return warmedUp && !draining && !failing();
  }

  /** Failing (and not draining): the model call of the last requests failed. */
  synchronized boolean failing() {
    return !draining && failuresInARow >= failuresToUnready;
  }

  /** What {@code /readyz} answers, one line. */
  synchronized String describe() {
    if (draining) {
      return "draining";
    }
    if (!warmedUp) {
      return "not ready";
    }
    if (failing()) {
      return "failing: the last "
          + failuresInARow
          + " model calls failed (last: "
          + lastFailure
          + "); each /readyz check retries the warm-up batch";
    }
    return "ready";
  }
}

package io.shardscore.job.cli;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop, taken from the JVM: without it the JVM answers SIGTERM
 * by running its shutdown hooks and exiting 143 whatever the hooks did, so a server that drained
 * cleanly could not exit 0. {@link #await} returns once either arrives; the caller then stops and
 * returns its own exit code. Where the JVM keeps the signals itself ({@code -Xrs}), {@link
 * #install} returns null and the caller falls back to a shutdown hook.
 */
final class StopSignal {
  private final CountDownLatch received = new CountDownLatch(1);
  private volatile String name;

  private StopSignal() {}

  /** Takes SIGTERM and SIGINT over; null if this JVM does not let them be handled. */
  static StopSignal install() {
    StopSignal stop = new StopSignal();
    try {
      for (String sig : new String[] {"TERM", "INT"}) {
        Signal.handle(
            new Signal(sig),
            s -> {
              stop.name = "SIG" + s.getName();
              stop.received.countDown();
            });
      }
    } catch (IllegalArgumentException | UnsupportedOperationException taken) {
      return null;
    }
    return stop;
  }

  /** Until SIGTERM or SIGINT; returns its name. */
  String await() throws InterruptedException {
    received.await();
    return name;
  }
}

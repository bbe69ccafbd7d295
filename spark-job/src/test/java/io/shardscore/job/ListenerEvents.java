package io.shardscore.job;

import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;

/**
 * Spark delivers listener events (job, stage, task and executor events) on its listener bus, a
 * thread of its own: an action can return before a listener has seen the events it caused. A test
 * that reads what a listener (or the status tracker, which is one) recorded calls {@link #drain}
 * first, so that the count includes every event posted so far.
 */
public final class ListenerEvents {
  private static final long TIMEOUT_MILLIS = 120_000;

  private ListenerEvents() {}

  /** Waits until every event posted so far has reached every listener of {@code sc}. */
  public static void drain(SparkContext sc) {
    try {
      // private[spark] in Scala, public in the bytecode: the only way to wait for the bus.
      sc.listenerBus().waitUntilEmpty(TIMEOUT_MILLIS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "Spark's listener bus still held events after "
              + TIMEOUT_MILLIS / 1000
              + " s: what a listener recorded would be incomplete",
          e);
    }
  }
}

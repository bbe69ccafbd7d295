package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.error.Causes;
import io.shardscore.job.store.FaultInjection;
import org.junit.jupiter.api.function.Executable;

/** Arms a named fault point for one call, and checks that the fault is what stopped it. */
public final class Faults {
  private Faults() {}

  /**
   * Runs {@code body} with {@code shardscore.fault} set to {@code point} and restores the previous
   * value, whatever happens. Fails unless {@code body} threw and the injected fault is in what it
   * threw (another failure must not pass for the crash); returns what it threw.
   */
  public static Throwable crash(String point, Executable body) {
    String previous = System.getProperty(FaultInjection.PROPERTY);
    System.setProperty(FaultInjection.PROPERTY, point);
    Throwable e;
    try {
      e = assertThrows(Throwable.class, body, "the run stops at " + point);
    } finally {
      if (previous == null) {
        System.clearProperty(FaultInjection.PROPERTY);
      } else {
        System.setProperty(FaultInjection.PROPERTY, previous);
      }
    }
    String injected = "injected fault at '" + point + "'";
    assertTrue(
        Causes.chain(e).stream().anyMatch(c -> String.valueOf(c.getMessage()).contains(injected)),
        "stopped by " + injected + ", not by another failure: " + e);
    return e;
  }
}

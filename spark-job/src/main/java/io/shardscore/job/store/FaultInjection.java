package io.shardscore.job.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named points between two durable steps of a run or a sync, where tests make the process stop on
 * purpose (a simulated crash) or pause (to release two writers together). Armed with the system
 * property {@code shardscore.fault} (e.g. {@code before-manifest}, {@code during-moves:2}, {@code
 * task-partition:3}) or, in-process, with {@link #pauseAt}; inert otherwise.
 *
 * <p>A crash is an {@link Error} ({@link InjectedCrash}), so that no {@code catch (Exception)} in
 * the code under test can treat it as an ordinary failure and clean up: what a crash leaves is what
 * a killed JVM would leave, except that {@code finally} blocks still run. The protocol
 * (docs/commit-protocol.md) therefore never relies on a {@code finally} block for correctness.
 */
public final class FaultInjection {
  public static final String PROPERTY = "shardscore.fault";

  /** The pending journal is written; no task has run. */
  public static final String AFTER_JOURNAL = "after-journal";

  /** Every task staged its files and completion marker; nothing was committed. */
  public static final String AFTER_STAGING = "after-staging";

  /** The next manifest is built; its exclusive creation (the commit point) is next. */
  public static final String BEFORE_MANIFEST = "before-manifest";

  /** The manifest's bytes are written to a temporary name; the versioned name does not exist. */
  public static final String DURING_MANIFEST = "during-manifest";

  /** The commit point has passed; no staged file has been moved into place. */
  public static final String AFTER_MANIFEST = "after-manifest";

  /** Prefix of {@code during-moves:K}: K staged files were moved into place after the commit. */
  public static final String DURING_MOVES = "during-moves";

  /** Every file is in place; {@code manifest.json} (the in-place marker) is not yet written. */
  public static final String BEFORE_POINTER = "before-pointer";

  /**
   * {@code manifest.json} is written; the output table ({@code output.table}) is not yet refreshed
   * and superseded files are not yet removed.
   */
  public static final String BEFORE_PUBLISH = "before-publish";

  /** {@code manifest.json} is written; superseded files and staging are not yet removed. */
  public static final String BEFORE_CLEANUP = "before-cleanup";

  /** Prefix of {@code during-cleanup:K}: K superseded files were deleted. */
  public static final String DURING_CLEANUP = "during-cleanup";

  /** Sync: prefix of {@code sync-after-files:N}: N files were copied to the target. */
  public static final String SYNC_AFTER_FILES = "sync-after-files";

  /** Sync: every file is copied and verified; the target's manifest is not yet created. */
  public static final String SYNC_BEFORE_MANIFEST = "sync-before-manifest";

  /** Sync: the target's manifest is committed; its pointer and cleanup are not yet done. */
  public static final String SYNC_AFTER_MANIFEST = "sync-after-manifest";

  private static final Map<String, Runnable> HOOKS = new ConcurrentHashMap<>();

  private FaultInjection() {}

  /** Stops (throws {@link InjectedCrash}) or pauses at the point {@code name}, if armed. */
  public static void check(String name) {
    Runnable hook = HOOKS.get(name);
    if (hook != null) {
      hook.run();
    }
    if (name.equals(System.getProperty(PROPERTY))) {
      throw new InjectedCrash(name);
    }
  }

  /** {@link #check} of {@code prefix:count}, for points that repeat (moves, deletes, copies). */
  public static void check(String prefix, int count) {
    check(prefix + ":" + count);
  }

  /** Throws if the task for {@code partition} is armed to fail ({@code task-partition:N}). */
  public static void checkTask(int partition) {
    String armed = System.getProperty(PROPERTY);
    if (armed != null && armed.equals("task-partition:" + partition)) {
      throw new InjectedTaskFault(armed);
    }
  }

  /**
   * Runs {@code hook} in the thread that reaches {@code point} (in this JVM), before the point's
   * crash check. Tests use it to hold two writers at the commit point with a latch. Returns a
   * handle that removes the hook.
   */
  public static AutoCloseable pauseAt(String point, Runnable hook) {
    HOOKS.put(point, hook);
    return () -> HOOKS.remove(point, hook);
  }

  /** The simulated crash a driver-side fault point raises. */
  public static final class InjectedCrash extends Error {
    private static final long serialVersionUID = 1L;

    InjectedCrash(String point) {
      super("injected fault at '" + point + "' (" + PROPERTY + ")");
    }
  }

  /** The failure an armed task raises (an ordinary task failure, retried or not by Spark). */
  public static final class InjectedTaskFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedTaskFault(String point) {
      super("injected fault at '" + point + "' (" + PROPERTY + ")");
    }
  }
}

package io.shardscore.job.score;

/**
 * Named points where tests make a run fail on purpose, to prove that a failure at that point loses
 * nothing and leaves the previous commit visible. Armed with the system property {@code
 * shardscore.fault} (e.g. {@code before-manifest}, {@code during-manifest} or {@code
 * task-partition:3}); inert otherwise.
 */
public final class FaultInjection {
  public static final String PROPERTY = "shardscore.fault";

  /** After tasks staged their files, before any file is moved into the output. */
  public static final String AFTER_STAGING = "after-staging";

  /** After files were moved into the output, before the manifest is written. */
  public static final String BEFORE_MANIFEST = "before-manifest";

  /** While the manifest is written: its temporary file exists, the versioned name does not. */
  public static final String DURING_MANIFEST = "during-manifest";

  private FaultInjection() {}

  /** Throws if the fault point {@code name} is armed. */
  public static void check(String name) {
    if (name.equals(System.getProperty(PROPERTY))) {
      throw new InjectedFault(name);
    }
  }

  /** Throws if the task for {@code partition} is armed to fail ({@code task-partition:N}). */
  public static void checkTask(int partition) {
    String armed = System.getProperty(PROPERTY);
    if (armed != null && armed.equals("task-partition:" + partition)) {
      throw new InjectedFault(armed);
    }
  }

  /** Throws once a sync has copied {@code copied} files, if armed ({@code sync-after-files:N}). */
  public static void checkSync(int copied) {
    String armed = System.getProperty(PROPERTY);
    if (armed != null && armed.equals("sync-after-files:" + copied)) {
      throw new InjectedFault(armed);
    }
  }

  /** The failure an armed fault point raises. */
  public static final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFault(String point) {
      super("injected fault at '" + point + "' (" + PROPERTY + ")");
    }
  }
}

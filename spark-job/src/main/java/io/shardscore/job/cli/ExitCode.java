package io.shardscore.job.cli;

import io.shardscore.job.error.ErrorKind;

/** Process exit codes of the {@code shardscore} command, for schedulers such as Airflow. */
public final class ExitCode {
  /** Committed. */
  public static final int OK = 0;

  /** Unexpected failure; see the log. */
  public static final int FAILURE = 1;

  /** Bad configuration, input, model or output: nothing ran, nothing changed. */
  public static final int INVALID = ErrorKind.CONFIG.exitCode();

  /** Too many unscorable rows: nothing was committed. */
  public static final int ERROR_BUDGET_EXCEEDED = ErrorKind.BUDGET.exitCode();

  /** Scoring or commit failed: nothing was committed. */
  public static final int NOT_COMMITTED = ErrorKind.INFRASTRUCTURE.exitCode();

  private ExitCode() {}
}

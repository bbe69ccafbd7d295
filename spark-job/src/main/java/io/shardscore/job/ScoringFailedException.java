package io.shardscore.job;

/**
 * A run that could not commit: scoring failed, the error budget was exceeded, or rows did not add
 * up. The previous commit of the output is still the visible one.
 */
public final class ScoringFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the run stopped; the CLI maps it to an exit code. */
  public enum Reason {
    ERROR_BUDGET_EXCEEDED,
    STRAY_KEYS,
    EMPTY_INPUT,
    TASK_FAILED,
    ROWS_DO_NOT_ADD_UP,
    DEVICE_UNAVAILABLE
  }

  private final Reason reason;

  public ScoringFailedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ScoringFailedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}

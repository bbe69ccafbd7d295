package io.shardscore.job.error;

/**
 * A run that could not commit: scoring failed, the error budget was exceeded, or rows did not add
 * up. The output is as it was: its previous commit, or none, is what readers see.
 */
public final class ScoringFailedException extends ShardscoreException {
  private static final long serialVersionUID = 1L;

  /** Why the run stopped; each reason has its {@link ErrorKind}. */
  public enum Reason {
    ERROR_BUDGET_EXCEEDED(ErrorKind.BUDGET),
    STRAY_KEYS(ErrorKind.INPUT),
    EMPTY_INPUT(ErrorKind.INPUT),
    TASK_FAILED(ErrorKind.INFRASTRUCTURE),
    ROWS_DO_NOT_ADD_UP(ErrorKind.INFRASTRUCTURE),
    DEVICE_UNAVAILABLE(ErrorKind.CONFIG);

    private final ErrorKind kind;

    Reason(ErrorKind kind) {
      this.kind = kind;
    }

    public ErrorKind kind() {
      return kind;
    }
  }

  private final Reason reason;

  public ScoringFailedException(Reason reason, String message) {
    super(reason.kind(), message);
    this.reason = reason;
  }

  public ScoringFailedException(Reason reason, String message, Throwable cause) {
    super(reason.kind(), message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}

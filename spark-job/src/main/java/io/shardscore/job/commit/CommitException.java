package io.shardscore.job.commit;

/** A commit that did not happen; the previous commit is still the visible one. */
public class CommitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommitException(String message) {
    super(message);
  }

  public CommitException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.shardscore.job.commit;

/** Another writer committed the version this run meant to commit; this run committed nothing. */
public final class ConcurrentCommitException extends CommitException {
  private static final long serialVersionUID = 1L;

  public ConcurrentCommitException(String message) {
    super(message);
  }
}

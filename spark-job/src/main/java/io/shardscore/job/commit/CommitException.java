package io.shardscore.job.commit;

import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;

/** A commit that did not happen; the previous commit is still the visible one. */
public class CommitException extends ShardscoreException {
  private static final long serialVersionUID = 1L;

  public CommitException(String message) {
    super(ErrorKind.INFRASTRUCTURE, message);
  }

  public CommitException(String message, Throwable cause) {
    super(ErrorKind.INFRASTRUCTURE, message, cause);
  }
}

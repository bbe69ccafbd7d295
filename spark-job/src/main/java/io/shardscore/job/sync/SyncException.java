package io.shardscore.job.sync;

import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;

/** A sync that did not happen or stopped; the target still shows its previous commit. */
public final class SyncException extends ShardscoreException {
  private static final long serialVersionUID = 1L;

  public SyncException(String message) {
    super(ErrorKind.INFRASTRUCTURE, message);
  }

  public SyncException(String message, Throwable cause) {
    super(ErrorKind.INFRASTRUCTURE, message, cause);
  }
}

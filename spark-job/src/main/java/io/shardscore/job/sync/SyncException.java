package io.shardscore.job.sync;

/** A sync that did not happen or stopped; the target still shows its previous commit. */
public final class SyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SyncException(String message) {
    super(message);
  }

  public SyncException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.shardscore.model;

/** The job asked for a GPU that this task cannot use; the message says why and what to change. */
public final class DeviceUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }
}

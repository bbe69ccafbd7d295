package io.shardscore.serving;

/**
 * A request the server refuses as a whole, with the HTTP status and a reason that names what is
 * wrong and how to fix it; the server goes on serving.
 */
public final class BadRequest extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public BadRequest(int status, String reason) {
    super(reason);
    this.status = status;
  }

  public int status() {
    return status;
  }
}

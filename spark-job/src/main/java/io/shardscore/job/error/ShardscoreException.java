package io.shardscore.job.error;

/**
 * The one base of shardscore's own failures: each carries its {@link ErrorKind}, so the command
 * line, the Airflow DAG and a notebook all tell a configuration error from a failed commit the same
 * way. Messages name what is wrong and how to fix it.
 */
public class ShardscoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorKind kind;

  public ShardscoreException(ErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ShardscoreException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public ErrorKind kind() {
    return kind;
  }

  public int exitCode() {
    return kind.exitCode();
  }
}

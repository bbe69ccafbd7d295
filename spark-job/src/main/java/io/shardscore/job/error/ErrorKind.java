package io.shardscore.job.error;

/**
 * What kind of failure stopped a command, and so which exit code a scheduler sees. In every kind
 * the output still shows its previous commit.
 */
public enum ErrorKind {
  /** The job file, an override or the model does not fit: fix the configuration, then rerun. */
  CONFIG(2),
  /** The input cannot be scored as configured (no rows, stray keys, conflicting schemas). */
  INPUT(2),
  /** More rows were unscorable than {@code scoring.max-error-fraction} allows. */
  BUDGET(3),
  /** Scoring, storage or the commit failed; a rerun resumes what finished. */
  INFRASTRUCTURE(4);

  private final int exitCode;

  ErrorKind(int exitCode) {
    this.exitCode = exitCode;
  }

  /** The process exit code of the {@code shardscore} command for this kind. */
  public int exitCode() {
    return exitCode;
  }
}

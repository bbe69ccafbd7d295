package io.shardscore.job.config;

import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import java.util.List;

/**
 * A job configuration that cannot run: each problem names the key, the bad value and the fix.
 * Thrown before any Spark job starts.
 */
public final class JobConfigException extends ShardscoreException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public JobConfigException(String problem) {
    this(List.of(problem));
  }

  public JobConfigException(List<String> problems) {
    super(ErrorKind.CONFIG, format(problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    if (problems.size() == 1) {
      return problems.get(0);
    }
    StringBuilder sb = new StringBuilder(problems.size() + " problems in the job configuration:");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}

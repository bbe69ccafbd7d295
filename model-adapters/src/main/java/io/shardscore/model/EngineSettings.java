package io.shardscore.model;

/**
 * How a loaded model uses the machine. Intra-op threads come from {@code spark.task.cpus}: every
 * concurrent task runs the shared model on its own thread plus {@code intraOpThreads - 1} helpers,
 * so N task slots never ask the engine for more than N x task.cpus cores.
 *
 * @param intraOpThreads threads one inference call may use, at least 1
 */
public record EngineSettings(int intraOpThreads) {
  public EngineSettings {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1: " + intraOpThreads);
    }
  }

  /** Settings for a task that Spark gave {@code taskCpus} cores. */
  public static EngineSettings forTaskCpus(int taskCpus) {
    return new EngineSettings(Math.max(1, taskCpus));
  }
}

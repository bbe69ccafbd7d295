package io.shardscore.job.report;

import java.util.List;

/**
 * What the driver observed of a run besides its task results: where the time went, what Spark's
 * stages moved, and executor memory peaks. Used for the report and the summary; never for counts,
 * which come from task results and the committed manifest.
 */
public record RunObservations(List<Phase> phases, StageIo io, List<ExecutorMemory> executors) {
  public static final RunObservations NONE =
      new RunObservations(List.of(), StageIo.NONE, List.of());

  public RunObservations {
    phases = List.copyOf(phases);
    executors = List.copyOf(executors);
  }
}

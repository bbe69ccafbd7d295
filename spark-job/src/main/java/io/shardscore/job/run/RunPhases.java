package io.shardscore.job.run;

import io.shardscore.job.report.Phase;
import java.util.List;

/**
 * Where the wall time of a run went, from marks the driver takes between its steps: consecutive
 * intervals from the run's start to its end, so the phases add up to the run's elapsed time by
 * construction. The scoring stage's time after placement is split between the model and the rest
 * (reading the shuffled rows, checking, writing files) in proportion to the tasks' own model and
 * task time.
 *
 * @param started the run's start ({@link PreparedRun#startedMillis()})
 * @param censusStarted when the checks were done and planning and the census began
 * @param prepared when the run was prepared
 * @param scoringStarted when the scoring job was submitted (after commit recovery, resume and the
 *     journal)
 * @param placementDone when the scoring job's shuffle stage ended (from Spark's listener; clamped
 *     into the scoring interval, the scoring start when not seen)
 * @param scoringDone when the scoring job returned
 * @param commitStarted when the add-up checks and the next manifest were done
 * @param ended when the commit was done and the result made
 * @param modelNanos the model time of this run's tasks
 * @param taskNanos the whole time of this run's tasks
 */
record RunPhases(
    long started,
    long censusStarted,
    long prepared,
    long scoringStarted,
    long placementDone,
    long scoringDone,
    long commitStarted,
    long ended,
    long modelNanos,
    long taskNanos) {

  /**
   * An incremental run that found nothing to do: setup and census, then everything after the
   * preparation counted as resume (the check of the last commit), no scoring, no commit.
   */
  static RunPhases nothingToDo(PreparedRun p, long ended) {
    return new RunPhases(
        p.startedMillis(),
        p.censusStartedMillis(),
        p.preparedMillis(),
        ended,
        ended,
        ended,
        ended,
        ended,
        0,
        0);
  }

  /** The phases, in the order they ran; all ≥ 0, adding up to {@code ended - started}. */
  List<Phase> phases() {
    long[] marks = {
      started,
      censusStarted,
      prepared,
      scoringStarted,
      clamp(placementDone <= 0 ? scoringStarted : placementDone, scoringStarted, scoringDone),
      scoringDone,
      commitStarted,
      ended
    };
    for (int i = 1; i < marks.length; i++) {
      marks[i] = Math.max(marks[i], marks[i - 1]);
    }
    long scoring = marks[5] - marks[4];
    long model =
        taskNanos <= 0 ? 0 : Math.round(scoring * Math.min(1.0, (double) modelNanos / taskNanos));
    return List.of(
        new Phase("setup", marks[1] - marks[0]),
        new Phase("census", marks[2] - marks[1]),
        new Phase("resume", marks[3] - marks[2]),
        new Phase("placement", marks[4] - marks[3]),
        new Phase("model", model),
        new Phase("rows", scoring - model),
        new Phase("manifest", marks[6] - marks[5]),
        new Phase("commit", marks[7] - marks[6]));
  }

  private static long clamp(long v, long low, long high) {
    return Math.max(low, Math.min(high, v));
  }
}

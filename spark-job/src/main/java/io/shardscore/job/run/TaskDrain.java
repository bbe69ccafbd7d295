package io.shardscore.job.run;

import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;

/**
 * Runs the scoring job in a job group of its own so that, when it fails, its remaining tasks are
 * cancelled and the driver waits until none of them is running before the failure is raised: a
 * failed run returns only after its tasks have stopped writing (an orchestrator's retry must not
 * race them).
 */
final class TaskDrain {
  private static final Logger LOG = LogManager.getLogger(TaskDrain.class);
  private static final long WAIT_MILLIS = 120_000;
  private static final String GROUP = "spark.jobGroup.id";
  private static final String INTERRUPT = "spark.job.interruptOnCancel";

  private final SparkContext sc;
  private final String group;
  private final String previousGroup;
  private final String previousInterrupt;

  TaskDrain(SparkContext sc, String group) {
    this.sc = sc;
    this.group = group;
    this.previousGroup = sc.getLocalProperty(GROUP);
    this.previousInterrupt = sc.getLocalProperty(INTERRUPT);
    sc.setLocalProperty(GROUP, group);
    sc.setLocalProperty(INTERRUPT, "true");
  }

  /** Restores the caller's job group (a notebook's, say). */
  void restore() {
    sc.setLocalProperty(GROUP, previousGroup);
    sc.setLocalProperty(INTERRUPT, previousInterrupt);
  }

  /** Cancels the group's jobs and waits, bounded, until none of their tasks runs. */
  void cancelAndWait() {
    sc.cancelJobGroup(group);
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    int quiet = 0;
    while (System.currentTimeMillis() < deadline) {
      try {
        sc.listenerBus().waitUntilEmpty(Math.max(1, deadline - System.currentTimeMillis()));
      } catch (TimeoutException e) {
        break;
      }
      int running = runningTasks();
      // Two quiet looks in a row, with the listener bus drained before each: a task launched just
      // before the cancellation has been seen starting by then.
      quiet = running == 0 ? quiet + 1 : 0;
      if (quiet >= 2) {
        return;
      }
      try {
        Thread.sleep(running == 0 ? 20 : 100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.warn(
        "Tasks of the failed scoring job (group {}) still ran {} s after cancellation; giving up"
            + " waiting. Their files stay in this attempt's staging folder and are never committed.",
        group,
        WAIT_MILLIS / 1000);
  }

  private int runningTasks() {
    int running = 0;
    for (int jobId : sc.statusTracker().getJobIdsForGroup(group)) {
      SparkJobInfo job = sc.statusTracker().getJobInfo(jobId).getOrElse(() -> null);
      if (job == null) {
        continue;
      }
      for (int stageId : job.stageIds()) {
        SparkStageInfo stage = sc.statusTracker().getStageInfo(stageId).getOrElse(() -> null);
        if (stage != null) {
          running += stage.numActiveTasks();
        }
      }
    }
    return running;
  }
}

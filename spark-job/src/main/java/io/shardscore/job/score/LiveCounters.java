package io.shardscore.job.score;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * What each scoring task reports to the driver's progress listener as it ends, through named
 * accumulators: the driver sees one task's update in its task-end event. Live figures only, for
 * progress lines: counts shown in the summary, the manifest and the report come from task results.
 *
 * @param rowsIn rows the task read
 * @param rowsRejected rows the task wrote to the error file
 * @param heapUsedBytes the executor JVM's used heap when the task ended (a sample, not a sum: read
 *     one task's update, never the accumulator's value)
 */
public record LiveCounters(
    LongAccumulator rowsIn, LongAccumulator rowsRejected, LongAccumulator heapUsedBytes)
    implements Serializable {
  public static final String ROWS_IN = "shardscore rows in (live)";
  public static final String ROWS_REJECTED = "shardscore rows rejected (live)";
  public static final String HEAP_USED = "shardscore heap used at task end (sample)";

  /** Called once, when the task's files are finished. */
  void report(long rows, long rejected) {
    rowsIn.add(rows);
    rowsRejected.add(rejected);
    heapUsedBytes.add(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }
}

package io.shardscore.job.score;

import io.shardscore.job.store.HadoopConf;
import io.shardscore.job.store.HadoopModelSource;
import io.shardscore.model.BatchingSettings;
import io.shardscore.model.DevicePolicy;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.ModelSpec;
import io.shardscore.sharding.ShardPlacement;
import io.shardscore.sharding.ShardPlan;
import java.io.Serializable;

/**
 * Everything a scoring task needs, shipped once with the job: the plan and placement, the row
 * layouts, the model, and where to stage files.
 *
 * @param attemptId this attempt's id (docs/commit-protocol.md), part of every file name
 * @param stagingRoot the attempt's staging folder (absolute URI string)
 * @param scoredAtMicros the run's start time, written as {@code scored_at}
 * @param device where the model runs (see {@link DeviceSelection})
 * @param queue the per-device batching queue's settings, or null for per-task model calls
 * @param live where each task reports its counts for the driver's progress lines, or null
 */
public record ScoringTask(
    String runId,
    String attemptId,
    String stagingRoot,
    ShardPlan plan,
    ShardPlacement placement,
    int[] routeValues,
    RowFeatures features,
    OutputLayout layout,
    ModelSpec model,
    HadoopModelSource modelSource,
    int batchSize,
    long scoredAtMicros,
    HadoopConf hadoopConf,
    DevicePolicy device,
    BatchingSettings queue,
    LiveCounters live)
    implements Serializable {

  /** Engine threads for a task that Spark gave {@code taskCpus} cores. */
  public EngineSettings engineSettings(int taskCpus) {
    return EngineSettings.forTaskCpus(taskCpus);
  }
}

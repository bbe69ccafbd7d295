package io.shardscore.job.run;

import io.shardscore.job.commit.TaskOutcome;
import io.shardscore.job.error.Causes;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.error.ShardscoreException;
import io.shardscore.job.plan.PartitionRouting;
import io.shardscore.job.plan.ShardAssignment;
import io.shardscore.job.plan.ShardKey;
import io.shardscore.job.row.ColumnNames;
import io.shardscore.job.score.GpuStageProfile;
import io.shardscore.job.score.PartitionScorer;
import io.shardscore.job.score.ScoringTask;
import io.shardscore.job.store.HadoopConf;
import io.shardscore.job.store.StoreErrors;
import io.shardscore.model.DeviceUnavailableException;
import io.shardscore.sharding.ShardPlacement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark part of a run: routes each row to the partition of its shard (exact placement), then
 * every task streams its partition in batches through the executor's shared model and stages its
 * files. A failed stage returns only after its tasks have stopped writing.
 */
final class ScoringStage {
  private ScoringStage() {}

  static StagedRun run(
      SparkSession spark,
      PreparedRun p,
      ShardPlacement placement,
      Set<Integer> toScore,
      Path staging,
      String attemptId,
      RunProgress progress) {
    int partitions = placement.totalPartitions();
    int[] routes = PartitionRouting.routeValues(partitions);
    Column longKey = ShardKey.code(p.shards());
    List<Column> columns = new ArrayList<>();
    p.rows().dataColumns().forEach(n -> columns.add(ColumnNames.column(n)));
    columns.add(
        ShardAssignment.routeValue(
                p.shards(),
                placement,
                routes,
                longKey,
                ShardAssignment.rowHash(p.rows().carried(), p.rows().dataColumns()))
            .as(RowLayouts.ROUTE_COLUMN));
    Dataset<Row> input = p.detected().scoringInput();
    if (toScore.size() < p.shards().shards().size()) {
      input = input.where(ShardAssignment.shardId(p.shards(), longKey).isin(toScore.toArray()));
    }
    Dataset<Row> routed =
        input
            .select(columns.toArray(Column[]::new))
            .repartition(partitions, ColumnNames.column(RowLayouts.ROUTE_COLUMN));
    ScoringTask task =
        new ScoringTask(
            p.runId(),
            attemptId,
            staging.toString(),
            p.shards(),
            placement,
            routes,
            p.rows().features(),
            p.rows().output(),
            p.model().spec(),
            p.model().source(),
            p.config().scoring().batchSize(),
            p.startedMillis() * 1000L,
            new HadoopConf(p.hadoop()),
            p.config().scoring().devicePolicy(),
            p.config().scoring().queueSettings(),
            progress.counters());
    String callersDescription = spark.sparkContext().getLocalProperty(RunSetup.JOB_DESCRIPTION);
    spark
        .sparkContext()
        .setJobDescription("shardscore " + p.runId() + ": score " + partitions + " partitions");
    String group = "shardscore-" + p.runId() + "-" + attemptId;
    progress.scoring(group, placement, toScore);
    TaskDrain drain = new TaskDrain(spark.sparkContext(), group);
    List<TaskOutcome> outcomes;
    try {
      JavaRDD<TaskOutcome> scoring =
          routed.queryExecution().toRdd().toJavaRDD().mapPartitions(new PartitionScorer(task));
      ResourceProfile profile = GpuStageProfile.of(p.config().scoring(), spark);
      outcomes = (profile == null ? scoring : scoring.withResources(profile)).collect();
    } catch (Exception e) { // SparkException is checked but undeclared by Scala
      drain.cancelAndWait();
      throw failure(p, placement, toScore, staging, e);
    } finally {
      drain.restore();
      spark.sparkContext().setJobDescription(callersDescription); // a notebook's, say
    }
    return StagedRun.of(outcomes, partitions);
  }

  private static ShardscoreException failure(
      PreparedRun p, ShardPlacement placement, Set<Integer> toScore, Path staging, Exception e) {
    Optional<ShardscoreException> unreadable = InputReadErrors.translate(e, p.input().describe());
    if (unreadable.isPresent()) {
      return unreadable.get();
    }
    Optional<DeviceUnavailableException> device = Causes.find(e, DeviceUnavailableException.class);
    if (device.isPresent()) {
      return new ScoringFailedException(
          ScoringFailedException.Reason.DEVICE_UNAVAILABLE,
          device.get().getMessage()
              + " Nothing was scored or committed; "
              + p.output().root()
              + " is unchanged.",
          e);
    }
    long finished = finishedShards(p, placement, toScore, staging);
    String kept =
        finished > 0
            ? ". "
                + finished
                + " of "
                + toScore.stream().filter(id -> placement.partitionsOf(id) > 0).count()
                + " shards to score finished; their files are kept under "
                + staging
                + ": rerun the same job (any run id, any mode) and it scores only the unfinished"
                + " shards; the commit that resumes them removes that folder."
            : ". No shard finished all its tasks before the failure, so nothing is kept to"
                + " resume; fix the cause, then rerun.";
    return new ScoringFailedException(
        ScoringFailedException.Reason.TASK_FAILED,
        "Scoring failed, nothing was committed and "
            + p.output().root()
            + " is unchanged: "
            + StoreErrors.problem("output.path", p.output().root(), e, p.hadoop())
                .map(m -> m.substring(0, m.length() - 1))
                .orElse(Causes.rootMessage(e))
            + kept,
        e);
  }

  /** Shards of this attempt whose every task left its completion marker before the failure. */
  private static long finishedShards(
      PreparedRun p, ShardPlacement placement, Set<Integer> toScore, Path staging) {
    Set<Integer> done = p.output().journal().completed(staging).keySet();
    return toScore.stream()
        .filter(id -> placement.partitionsOf(id) > 0)
        .filter(
            id -> {
              int first = placement.firstPartitionOf(id);
              for (int part = first; part < first + placement.partitionsOf(id); part++) {
                if (!done.contains(part)) {
                  return false;
                }
              }
              return true;
            })
        .count();
  }
}

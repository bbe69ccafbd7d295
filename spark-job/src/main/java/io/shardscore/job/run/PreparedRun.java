package io.shardscore.job.run;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.score.ModelBinding;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import org.apache.hadoop.conf.Configuration;

/**
 * Everything the driver decided before scoring, checked once: what {@code plan} prints and what
 * {@code execute} runs. Preparing reads the input (the census); executing a prepared run does not
 * read it again.
 *
 * @param config the validated job configuration
 * @param runId this run's id
 * @param startedMillis when the run started
 * @param options what the caller asked for
 * @param forExecution false when prepared only to preview (as an incremental run would see it)
 * @param hadoop the session's Hadoop configuration
 * @param output the output and its newest commit
 * @param model the model and its output width
 * @param input the input rows and files
 * @param rows the row layouts and the digests over them
 * @param shards the shard plan
 * @param detected the census and what happens to each shard
 * @param censusStartedMillis when the checks were done and planning and the census began
 * @param preparedMillis when preparing ended
 */
public record PreparedRun(
    JobConfig config,
    String runId,
    long startedMillis,
    RunOptions options,
    boolean forExecution,
    Configuration hadoop,
    OutputLocation output,
    ModelBinding model,
    InputSource input,
    RowLayouts rows,
    ShardPlan shards,
    ChangeDetection detected,
    long censusStartedMillis,
    long preparedMillis) {

  /** What the run does with each shard. */
  public ChangePlan changes() {
    return detected.plan();
  }

  /** See {@link Digests#shardIdentity}. */
  String identity(Shard shard) {
    return Digests.shardIdentity(rows.settingsDigest(), shards, shard);
  }

  String modelDigest() {
    return model.spec().digest();
  }
}

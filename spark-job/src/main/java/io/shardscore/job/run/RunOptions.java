package io.shardscore.job.run;

import io.shardscore.job.config.JobConfig;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the caller asked for: the job configuration and the options that are not part of the job
 * file.
 *
 * @param config the job configuration (validated by {@link RunSetup})
 * @param inputFrame a Dataset to score instead of {@code input.path}, or null
 * @param runId the run id, or null for a new time-based one
 * @param replan compute quantile ranges from the data again instead of reusing the committed plan
 * @param verifyContent fingerprint every shard from its rows, ignoring the metadata fast path
 * @param selectedShards score only these shards (by name); empty for all
 */
public record RunOptions(
    JobConfig config,
    Dataset<Row> inputFrame,
    String runId,
    boolean replan,
    boolean verifyContent,
    Set<String> selectedShards) {

  public RunOptions {
    selectedShards = Set.copyOf(selectedShards);
  }
}

package io.shardscore.job.run;

import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.table.OutputTable;
import org.apache.spark.sql.SparkSession;

/** Where a run meets {@code output.table}: checked when it is prepared, refreshed at its commit. */
final class OutputTables {
  private OutputTables() {}

  /** Before anything is read or scored: the table's catalog exists and the table can be ours. */
  static void requireRegistrable(SparkSession spark, JobConfig cfg, OutputLocation out) {
    OutputTable.of(spark, cfg.output()).ifPresent(t -> t.requireRegistrable(out.root()));
  }

  /** The output's committer, refreshing the table (when one is set) once a commit is in place. */
  static ShardCommitter publishing(SparkSession spark, JobConfig cfg, OutputLocation out) {
    ShardCommitter committer = out.committer();
    return OutputTable.of(spark, cfg.output())
        .map(t -> committer.publishingTo(m -> t.refresh(out.root(), m)))
        .orElse(committer);
  }
}

package io.shardscore.job.run;

import io.shardscore.job.change.ShardChange;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The result of a run: counts from the committed manifest, work figures from the staged run. */
final class RunResults {
  private RunResults() {}

  /** The result of a run that ended at {@code endedMillis}. */
  static ScoreResult of(
      PreparedRun p,
      Manifest m,
      StagedRun staged,
      boolean committed,
      SparkSession spark,
      long endedMillis) {
    Map<String, Manifest.ShardEntry> entries = new HashMap<>();
    m.shards().forEach(e -> entries.put(e.name(), e));
    List<ShardStatus> statuses = new ArrayList<>();
    for (ShardChange c : p.changes().changes()) {
      Manifest.ShardEntry e = entries.get(c.name());
      long rows = e == null ? 0 : e.rows();
      long errors = e == null ? 0 : e.errorRows();
      String status;
      int parts = 0;
      if (committed && c.status().scores()) {
        status =
            staged.resumedShards().contains(c.shardId())
                ? "resumed"
                : rows + errors == 0
                    ? "empty"
                    : p.shards().shard(c.shardId()).scored() ? "scored" : "rejected";
        parts = staged.outcomes(c.shardId()).size();
      } else {
        status = committed ? c.status().label() : "unchanged";
      }
      statuses.add(
          new ShardStatus(
              c.shardId(),
              c.name(),
              c.covers(),
              status,
              rows,
              errors,
              parts,
              e == null ? 0 : e.files().size()));
    }
    return new ScoreResult(
        p.runId(),
        m.version(),
        p.output().root().toString(),
        p.detected().census().totalRows(),
        m.totalRows(),
        m.totalErrorRows(),
        staged.rowsIn(),
        staged.batches(),
        statuses,
        endedMillis - p.startedMillis(),
        staged.modelNanos() / 1_000_000,
        staged.modelLoadsByExecutor(),
        staged.devicesByExecutor(),
        staged.tasks(),
        p.changes().changes(),
        committed,
        spark);
  }
}

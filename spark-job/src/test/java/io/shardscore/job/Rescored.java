package io.shardscore.job;

import io.shardscore.job.change.ShardChange;
import io.shardscore.job.result.ScoreResult;
import java.util.List;

/** The shards a run scored (new or changed), by name in plan order. */
public final class Rescored {
  private Rescored() {}

  public static List<String> shards(ScoreResult result) {
    return result.changes().stream()
        .filter(c -> c.status().scores())
        .map(ShardChange::name)
        .toList();
  }
}

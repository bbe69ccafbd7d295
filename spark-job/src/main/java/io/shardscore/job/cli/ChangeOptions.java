package io.shardscore.job.cli;

import io.shardscore.job.ScoreJob;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of {@code run} and {@code plan} that steer what an incremental run scores. */
final class ChangeOptions {
  @Option(
      names = "--shards",
      split = ",",
      paramLabel = "NAME",
      description = "Score only these shards; keep the others as committed.")
  List<String> shards = new ArrayList<>();

  @Option(
      names = "--replan",
      description = "Recompute quantile ranges instead of reusing the committed plan.")
  boolean replan;

  @Option(
      names = "--verify-content",
      description = "Fingerprint every shard from its rows; skip the file-metadata fast path.")
  boolean verifyContent;

  ScoreJob applyTo(ScoreJob job) {
    return job.shards(new LinkedHashSet<>(shards)).replan(replan).verifyContent(verifyContent);
  }
}

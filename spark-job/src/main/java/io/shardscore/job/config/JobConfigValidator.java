package io.shardscore.job.config;

import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelLoadException;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.ShardingException;
import io.shardscore.sharding.StrayKeyPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks everything about a {@link JobConfig} that needs no data: required keys, value ranges,
 * names. Reports every problem at once, each naming the key, the bad value and the fix.
 */
public final class JobConfigValidator {
  /** Columns shardscore adds to every output row. */
  public static final List<String> PROVENANCE_COLUMNS =
      List.of("model_digest", "run_id", "scored_at");

  /** Column holding the reason in {@code _errors}. */
  public static final String ERROR_REASON_COLUMN = "error_reason";

  private JobConfigValidator() {}

  public static JobConfig validate(JobConfig config) {
    return validate(config, false);
  }

  /**
   * Validates {@code config}; {@code inputGiven} is true when the caller passes the input as a
   * Dataset, so {@code input.path} is not needed.
   */
  public static JobConfig validate(JobConfig config, boolean inputGiven) {
    List<String> problems = new ArrayList<>();
    if (!inputGiven && (config.input() == null || blank(config.input().path()))) {
      problems.add("input.path is missing; set it to the data to score, e.g. 'data/customers'.");
    }
    if (config.output() == null || blank(config.output().path())) {
      problems.add(
          "output.path is missing; set it to a folder for the results, e.g. 'out/scores'.");
    } else {
      check(problems, () -> config.output().outputMode());
      check(problems, () -> config.output().retentionPeriod());
    }
    if (config.input() != null
        && config.output() != null
        && !blank(config.input().path())
        && !blank(config.output().path())) {
      String in = normalize(config.input().path());
      String out = normalize(config.output().path());
      if (out.equals(in) || out.startsWith(in + "/") || in.startsWith(out + "/")) {
        problems.add(
            "output.path '"
                + config.output().path()
                + "' overlaps input.path '"
                + config.input().path()
                + "'; a run would read its own results. Choose an output outside the input.");
      }
    }
    validateSharding(config.sharding(), problems);
    validateModel(config.model(), problems);
    validateScoring(config.scoring(), problems);
    if (!problems.isEmpty()) {
      throw new JobConfigException(problems);
    }
    return config;
  }

  private static void validateSharding(ShardingConfig s, List<String> problems) {
    if (s == null) {
      problems.add(
          "sharding is missing; set sharding.key and one of ranges, hash-buckets or quantiles.");
      return;
    }
    if (blank(s.key())) {
      problems.add("sharding.key is missing; name the integral key column, e.g. 'customer_id'.");
    }
    int strategies =
        (s.ranges() != null ? 1 : 0)
            + (s.hashBuckets() != null ? 1 : 0)
            + (s.quantiles() != null ? 1 : 0);
    if (strategies != 1) {
      problems.add(
          "sharding sets "
              + strategies
              + " of ranges, hash-buckets, quantiles; set exactly one, e.g. ranges: '0-999,1000-1999'.");
    }
    if (s.ranges() != null) {
      if (s.ranges().isEmpty()) {
        problems.add("sharding.ranges is empty; list at least one range, e.g. '0-999'.");
      }
      List<KeyRange> parsed = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (ShardingConfig.NamedRange r : s.ranges()) {
        if (r == null || blank(r.range())) {
          problems.add("sharding.ranges has an entry without a range; write e.g. '0-999'.");
        } else {
          try {
            KeyRange range = KeyRange.parse(r.range());
            parsed.add(range);
            names.add(
                r.name() == null ? io.shardscore.sharding.RangeList.defaultName(range) : r.name());
          } catch (ShardingException e) {
            problems.add(e.getMessage());
          }
        }
      }
      if (parsed.size() == s.ranges().size() && !parsed.isEmpty()) {
        // Order, overlaps, names: the same checks the plan makes, before any data is read.
        check(
            problems,
            () ->
                io.shardscore.sharding.ShardPlan.ofRanges(
                    blank(s.key()) ? "key" : s.key(),
                    names,
                    parsed,
                    "ranges",
                    StrayKeyPolicy.FAIL,
                    StrayKeyPolicy.FAIL));
      }
    }
    if (s.hashBuckets() != null && (s.hashBuckets() < 1 || s.hashBuckets() > 100_000)) {
      problems.add("sharding.hash-buckets is " + s.hashBuckets() + "; use 1 to 100000.");
    }
    if (s.quantiles() != null && (s.quantiles() < 1 || s.quantiles() > 10_000)) {
      problems.add("sharding.quantiles is " + s.quantiles() + "; use 1 to 10000.");
    }
    check(problems, () -> StrayKeyPolicy.parse(s.unmatched(), "sharding.unmatched"));
    check(problems, () -> StrayKeyPolicy.parse(s.nullKeys(), "sharding.null-keys"));
    if (s.maxRowsPerPartition() < 1) {
      problems.add(
          "sharding.max-rows-per-partition is "
              + s.maxRowsPerPartition()
              + "; use a positive row budget, e.g. 1000000.");
    }
  }

  private static void validateModel(ModelConfig m, List<String> problems) {
    if (m == null) {
      problems.add("model is missing; set model.path and model.features.");
      return;
    }
    if (blank(m.path())) {
      problems.add("model.path is missing; set it to the model file, e.g. 'models/churn.onnx'.");
    }
    check(problems, () -> ModelEngine.parse(m.engine()));
    if (m.features().isEmpty()) {
      problems.add(
          "model.features is empty; list the input columns in the model's order, e.g. [age,"
              + " spend[6]].");
    }
    Set<String> seen = new HashSet<>();
    for (String f : m.features()) {
      try {
        FeatureColumn c = FeatureColumn.parse(f);
        if (!seen.add(c.column())) {
          problems.add("model.features lists '" + c.column() + "' twice; list each column once.");
        }
      } catch (JobConfigException e) {
        problems.add(e.getMessage());
      }
    }
    ModelOutputs o = m.outputs();
    List<String> names = new ArrayList<>();
    for (String n : new String[] {o.probabilities(), o.score(), o.label()}) {
      if (!n.isEmpty()) {
        names.add(n);
      }
    }
    if (names.isEmpty()) {
      problems.add(
          "model.outputs leaves out every prediction column; keep at least one of probabilities,"
              + " score, label.");
    }
    Set<String> outSeen = new HashSet<>();
    for (String n : names) {
      if (!outSeen.add(n)) {
        problems.add("model.outputs uses the column name '" + n + "' twice; give each its own.");
      }
      if (PROVENANCE_COLUMNS.contains(n) || ERROR_REASON_COLUMN.equals(n)) {
        problems.add(
            "model.outputs column '" + n + "' is reserved by shardscore; choose another name.");
      }
    }
    if (o.scoreIndex() != null && o.scoreIndex() < 0) {
      problems.add("model.outputs.score-index is " + o.scoreIndex() + "; use 0 or more.");
    }
  }

  private static void validateScoring(ScoringConfig s, List<String> problems) {
    if (s.batchSize() < 1 || s.batchSize() > 1_000_000) {
      problems.add(
          "scoring.batch-size is " + s.batchSize() + "; use 1 to 1000000 (1024 is a good start).");
    }
    if (s.maxErrorFraction().isNaN() || s.maxErrorFraction() < 0 || s.maxErrorFraction() > 1) {
      problems.add(
          "scoring.max-error-fraction is "
              + s.maxErrorFraction()
              + "; use a fraction from 0 (no bad rows allowed) to 1.");
    }
    if (s.devicePolicy() == null) {
      problems.add("scoring.device is '" + s.device() + "'; use cpu, gpu or auto.");
    }
    if (!ScoringConfig.PER_TASK.equals(s.batching()) && !ScoringConfig.QUEUE.equals(s.batching())) {
      problems.add(
          "scoring.batching is '"
              + s.batching()
              + "'; use per-task (each task calls the model) or queue (one queue per device"
              + " coalesces the tasks' batches).");
    }
    if (s.queueMaxRows() < 1) {
      problems.add("scoring.queue-max-rows is " + s.queueMaxRows() + "; use 1 or more (8192).");
    }
    if (s.queueMaxWaitMs() < 0) {
      problems.add("scoring.queue-max-wait-ms is " + s.queueMaxWaitMs() + "; use 0 or more (2).");
    }
    if (s.gpusPerTask() != null && !(s.gpusPerTask() > 0 && s.gpusPerTask() <= 64)) {
      problems.add(
          "scoring.gpus-per-task is "
              + s.gpusPerTask()
              + "; use a share of a GPU such as 0.25 (four tasks per GPU) or a whole number.");
    }
  }

  private static void check(List<String> problems, Runnable check) {
    try {
      check.run();
    } catch (JobConfigException | ShardingException | ModelLoadException e) {
      problems.add(e.getMessage());
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String normalize(String path) {
    String p = path.trim().replaceAll("/+$", "");
    return p.startsWith("file://")
        ? p.substring("file://".length())
        : p.startsWith("file:") ? p.substring(5) : p;
  }
}

package io.shardscore.job.config;

import java.io.Serializable;
import java.util.Map;

/**
 * A whole job: the same value drives the CLI, spark-submit and the library API. Built from YAML by
 * {@link JobConfigReader}, checked by {@link JobConfigValidator}.
 *
 * @param spark extra Spark settings applied when shardscore creates the session itself
 */
public record JobConfig(
    InputConfig input,
    OutputConfig output,
    ShardingConfig sharding,
    ModelConfig model,
    ScoringConfig scoring,
    Map<String, String> spark)
    implements Serializable {
  public JobConfig {
    scoring = scoring == null ? ScoringConfig.defaults() : scoring;
    spark = spark == null ? Map.of() : Map.copyOf(spark);
  }

  public JobConfig withInput(InputConfig value) {
    return new JobConfig(value, output, sharding, model, scoring, spark);
  }

  public JobConfig withOutput(OutputConfig value) {
    return new JobConfig(input, value, sharding, model, scoring, spark);
  }

  public JobConfig withSharding(ShardingConfig value) {
    return new JobConfig(input, output, value, model, scoring, spark);
  }

  public JobConfig withModel(ModelConfig value) {
    return new JobConfig(input, output, sharding, value, scoring, spark);
  }

  public JobConfig withScoring(ScoringConfig value) {
    return new JobConfig(input, output, sharding, model, value, spark);
  }
}

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

  /**
   * A copy with one setting changed, e.g. {@code config.with(Settings.BATCH_SIZE, 512)}; a section
   * that is absent is created with its defaults, and {@code null} restores the setting's default.
   * Nothing is validated here: {@link JobConfigValidator} checks the whole config once.
   */
  public <T> JobConfig with(Setting<T> setting, T value) {
    return setting.set(this, value);
  }

  /**
   * A copy with the setting named {@code key} set from text, as a command-line flag gives it:
   * {@code config.with("scoring.batch-size", "512")}; lists are comma-separated, and {@code
   * spark.*} takes {@code key=value} pairs (replacing the whole {@code spark:} map). Throws a
   * {@link JobConfigException} for an unknown key or text that is not of the setting's type.
   */
  public JobConfig with(String key, String text) {
    Setting<?> setting =
        Settings.named(key)
            .orElseThrow(
                () ->
                    new JobConfigException(
                        "There is no setting '"
                            + key
                            + "'. Settings: "
                            + Settings.all().stream().map(Setting::key).toList()
                            + "."));
    return parsed(setting, text);
  }

  /** The value of {@code setting} in this config (defaults applied); null when absent. */
  public <T> T get(Setting<T> setting) {
    return setting.get(this);
  }

  private <T> JobConfig parsed(Setting<T> setting, String text) {
    return with(setting, setting.parse(text));
  }
}

package io.shardscore.job.cli;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.config.Setting;
import io.shardscore.job.config.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The job options that {@code run}, {@code plan} and {@code validate} share: {@code --config} and
 * one override flag per setting that {@link Settings} gives a flag, so that {@code plan} previews
 * and {@code validate} checks exactly the job that {@code run} runs. Each override goes through
 * {@link JobConfig#with(String, String)} and is logged.
 */
@Command(modelTransformer = JobOptions.SettingFlags.class)
final class JobOptions {
  private static final Logger LOG = LogManager.getLogger(JobOptions.class);

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "Job YAML file (see README: Config reference).")
  Path config;

  @Option(
      names = "--incremental",
      description = "Same as --mode incremental: score only new or changed shards.")
  boolean incremental;

  /** The override flags given, in command-line order: setting to its text. */
  private final Map<Setting<?>, String> overrides = new LinkedHashMap<>();

  /** The job file with the overrides applied; not validated. */
  JobConfig job() {
    return applyTo(JobConfigReader.read(config));
  }

  /**
   * The job file with the overrides applied, validated: every command checks the job before it
   * starts a Spark session, so a mistake in the file costs no session start-up.
   */
  JobConfig validJob() {
    return JobConfigValidator.validate(job());
  }

  JobConfig applyTo(JobConfig job) {
    Map<Setting<?>, String> all = new LinkedHashMap<>(overrides);
    if (incremental) {
      String mode = all.get(Settings.OUTPUT_MODE);
      if (mode != null && !mode.equals("incremental")) {
        throw new JobConfigException(
            "--incremental conflicts with "
                + Settings.OUTPUT_MODE.flag().orElseThrow()
                + " "
                + mode
                + "; pass one of them.");
      }
      all.put(Settings.OUTPUT_MODE, "incremental");
    }
    for (Map.Entry<Setting<?>, String> e : all.entrySet()) {
      Setting<?> setting = e.getKey();
      Object fromFile = setting.get(job);
      job = job.with(setting.key(), e.getValue());
      Object fromFlag = setting.get(job);
      if (fromFile != null && !Objects.equals(fromFile, fromFlag)) {
        LOG.info(
            "Command line sets {} to {} (the job file says {})", setting.key(), fromFlag, fromFile);
      }
    }
    return job;
  }

  /** Adds the override flags from {@link Settings} to the command that mixes these options in. */
  static final class SettingFlags implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec command) {
      JobOptions target =
          command.mixins().values().stream()
              .map(CommandSpec::userObject)
              .filter(JobOptions.class::isInstance)
              .map(JobOptions.class::cast)
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("JobOptions is not mixed in"));
      for (Setting<?> setting : Settings.all()) {
        setting.flag().ifPresent(flag -> command.addOption(option(setting, flag, target)));
      }
      return command;
    }

    private static OptionSpec option(Setting<?> setting, String flag, JobOptions target) {
      ISetter store =
          new ISetter() {
            @Override
            public <T> T set(T value) {
              // picocli also sets each option's initial value (null) before it parses.
              if (value == null) {
                target.overrides.remove(setting);
              } else {
                target.overrides.put(setting, (String) value);
              }
              return null;
            }
          };
      return OptionSpec.builder(flag)
          .type(String.class)
          .paramLabel(setting.paramLabel())
          .description(
              "Overrides " + setting.key() + setting.allowed().map(a -> "; " + a).orElse("") + ".")
          .setter(store)
          .build();
    }
  }
}

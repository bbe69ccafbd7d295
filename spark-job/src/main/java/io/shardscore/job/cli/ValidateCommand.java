package io.shardscore.job.cli;

import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shardscore validate}: check a job file without starting Spark. */
@Command(
    name = "validate",
    description = "Check a job file (keys, values, ranges) without starting Spark.",
    mixinStandardHelpOptions = true)
final class ValidateCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "Job YAML file.")
  Path config;

  @Override
  public Integer call() {
    JobConfigValidator.validate(JobConfigReader.read(config));
    System.out.println(config + " is valid.");
    return ExitCode.OK;
  }
}

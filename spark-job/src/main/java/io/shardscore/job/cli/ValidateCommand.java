package io.shardscore.job.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code shardscore validate}: check a job file, with the same overrides as run, without Spark. */
@Command(
    name = "validate",
    description = {
      "Check a job file (keys, values, ranges) without starting Spark.",
      "Flags override the same keys of the job file, as they do for run."
    },
    mixinStandardHelpOptions = true)
final class ValidateCommand implements Callable<Integer> {
  @Mixin JobOptions options = new JobOptions();

  @Override
  public Integer call() {
    options.validJob();
    System.out.println(options.config + " is valid.");
    return ExitCode.OK;
  }
}

package io.shardscore.job.cli;

import io.shardscore.job.error.ShardscoreException;
import io.shardscore.model.ModelLoadException;
import io.shardscore.sharding.ShardingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code shardscore} command: {@code run}, {@code plan}, {@code validate}, {@code report},
 * {@code demo}, {@code serve}.
 */
@Command(
    name = "shardscore",
    description = {
      "Sharded, atomically committed batch inference on Apache Spark.",
      "",
      "Exit codes: 0 committed; 2 invalid config/input/model/output (nothing ran);",
      "3 too many unscorable rows (nothing committed); 4 scoring or commit failed (nothing",
      "committed); 1 unexpected failure."
    },
    mixinStandardHelpOptions = true,
    version = "shardscore 0.1.0",
    subcommands = {
      RunCommand.class,
      PlanCommand.class,
      SyncCommand.class,
      ValidateCommand.class,
      ReportCommand.class,
      DemoCommand.class,
      ServeCommand.class
    })
public final class ShardscoreCommand implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (used by tests, which must not exit). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new ShardscoreCommand());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          int code = exitCodeOf(e);
          System.err.println("shardscore: " + e.getMessage());
          if (code == ExitCode.FAILURE) {
            e.printStackTrace(System.err);
          }
          return code;
        });
    return cli.execute(args);
  }

  static int exitCodeOf(Throwable e) {
    if (e instanceof ShardscoreException s) {
      return s.exitCode();
    }
    // The engine-neutral modules have their own exceptions: both mean a configuration to fix.
    if (e instanceof ModelLoadException || e instanceof ShardingException) {
      return ExitCode.INVALID;
    }
    return ExitCode.FAILURE;
  }
}

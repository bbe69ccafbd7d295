package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.Setting;
import io.shardscore.job.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code run}, {@code plan} and {@code validate} take the same override flags, from one table. */
class OverrideFlagsTest {
  @TempDir static Path dir;

  private static final String JOB =
      """
      input: {path: data/in}
      output: {path: out/scores}
      sharding: {key: customer_id, ranges: 0-999}
      model: {path: m.onnx, features: [a, b]}
      """;

  private static Path jobFile(String name, String yaml) throws Exception {
    return Files.writeString(dir.resolve(name + ".yaml"), yaml);
  }

  private static Set<String> options(String command) {
    CommandLine cli = new CommandLine(new ShardscoreCommand()).getSubcommands().get(command);
    Set<String> names = new TreeSet<>();
    for (OptionSpec o : cli.getCommandSpec().options()) {
      names.addAll(List.of(o.names()));
    }
    return names;
  }

  private static List<String> overrides() {
    List<String> flags = new ArrayList<>(List.of("--config", "--incremental"));
    for (Setting<?> s : Settings.all()) {
      s.flag().ifPresent(flags::add);
    }
    return flags;
  }

  @Test
  void runPlanAndValidateListEveryDeclaredFlag() {
    for (String command : List.of("run", "plan", "validate")) {
      assertTrue(options(command).containsAll(overrides()), command + ": " + options(command));
    }
    Set<String> validate = options("validate");
    validate.removeAll(overrides());
    assertEquals(Set.of("-h", "--help", "-V", "--version"), validate, "validate has only these");
    CliRunner.Run help = CliRunner.run("validate", "--help");
    assertTrue(help.out().contains("Overrides scoring.batch-size; use 1 to 1000000"), help.out());
    assertTrue(help.out().contains("Overrides input.path.\n"), help.out());
  }

  @Test
  void runAndPlanApplyTheSameOverridesToTheSameJob() throws Exception {
    String[] args = {
      "--config",
      jobFile("same", JOB).toString(),
      "--input",
      "data/other",
      "--output",
      "out/other",
      "--incremental",
      "--max-rows-per-partition",
      "500",
      "--model",
      "other.onnx",
      "--batch-size",
      "64",
      "--max-error-fraction",
      "0.5",
      "--device",
      "auto"
    };
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs(args);
    PlanCommand plan = new PlanCommand();
    new CommandLine(plan).parseArgs(args);
    ValidateCommand validate = new ValidateCommand();
    new CommandLine(validate).parseArgs(args);

    JobConfig job = run.options.job();
    assertEquals(job, plan.options.job());
    assertEquals(job, validate.options.job());
    assertEquals("data/other", job.input().path());
    assertEquals("out/other", job.output().path());
    assertEquals("incremental", job.output().mode());
    assertEquals(500L, job.sharding().maxRowsPerPartition());
    assertEquals("other.onnx", job.model().path());
    assertEquals(64, job.scoring().batchSize());
    assertEquals(0.5, job.scoring().maxErrorFraction());
    assertEquals("auto", job.scoring().device());
    assertEquals(List.of("a", "b"), job.model().features(), "the rest is the file's");
    RunCommand none = new RunCommand();
    new CommandLine(none).parseArgs("--config", jobFile("none", JOB).toString());
    assertEquals(JobConfigReader.parse(JOB, "job.yaml"), none.options.job(), "no flag, no change");
  }

  @Test
  void validateChecksTheOverriddenJob() throws Exception {
    String noOutput =
        jobFile("no-output", JOB.replace("output: {path: out/scores}\n", "")).toString();
    assertEquals(ExitCode.INVALID, CliRunner.run("validate", "--config", noOutput).exit());
    CliRunner.Run fixed = CliRunner.run("validate", "--config", noOutput, "--output", "out/x");
    assertEquals(0, fixed.exit(), fixed.err());
    assertTrue(fixed.out().contains("is valid"), fixed.out());

    String file = jobFile("valid", JOB).toString();
    CliRunner.Run zero = CliRunner.run("validate", "--config", file, "--batch-size", "0");
    assertEquals(ExitCode.INVALID, zero.exit());
    assertTrue(
        zero.err().contains("scoring.batch-size is 0; use 1 to 1000000 (1024 is a good start)."),
        zero.err());
    CliRunner.Run lots = CliRunner.run("validate", "--config", file, "--batch-size", "lots");
    assertEquals(ExitCode.INVALID, lots.exit());
    assertTrue(lots.err().contains("scoring.batch-size is 'lots'; use 1 to 1000000"), lots.err());
    CliRunner.Run device = CliRunner.run("validate", "--config", file, "--device", "tpu");
    assertEquals(ExitCode.INVALID, device.exit());
    assertTrue(
        device.err().contains("scoring.device is 'tpu'; use cpu, gpu or auto"), device.err());
    CliRunner.Run both =
        CliRunner.run("validate", "--config", file, "--incremental", "--mode", "overwrite");
    assertEquals(ExitCode.INVALID, both.exit());
    assertTrue(
        both.err().contains("--incremental conflicts with --mode overwrite; pass one of them."),
        both.err());
  }

  @Test
  void planValidatesTheOverriddenJobBeforeAnySparkJob() throws Exception {
    int jobsBefore = CliRunner.jobs();
    CliRunner.Run plan =
        CliRunner.run(
            "plan", "--config", jobFile("plan", JOB).toString(), "--max-error-fraction", "2");
    assertEquals(ExitCode.INVALID, plan.exit());
    assertTrue(
        plan.err()
            .contains(
                "scoring.max-error-fraction is 2.0; use a fraction from 0 (no bad rows allowed)"
                    + " to 1."),
        plan.err());
    assertEquals(jobsBefore, CliRunner.jobs(), "no Spark job ran");
  }
}

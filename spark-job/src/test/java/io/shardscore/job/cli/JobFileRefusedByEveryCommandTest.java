package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A job file with a duplicate key or a Spark setting Spark cannot read, and a {@code --conf} value
 * Spark cannot read, are refused the same way by {@code validate}, {@code plan} and {@code run}:
 * exit 2 and a message naming the key, before any Spark job and without touching the output.
 */
class JobFileRefusedByEveryCommandTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;

  @BeforeAll
  static void data() {
    SparkTestSession.get();
    input = SparkTestSession.customers(dir, 200);
    model = SparkTestSession.model(dir);
  }

  private static String job(Path output) {
    return JobYaml.demo(input, model, output)
        .set("sharding.ranges", "0-99,100-199")
        .set("scoring.batch-size", 64)
        .text();
  }

  static Stream<Arguments> refusals() {
    List<Arguments> all = new ArrayList<>();
    for (String command : List.of("validate", "plan", "run")) {
      all.add(
          Arguments.of(
              command,
              "duplicate key",
              (UnaryOperator<String>)
                  t -> t.replace("batch-size: 64", "batch-size: 64\n  batch-size: 128"),
              List.of(),
              "Duplicate key 'scoring.batch-size'"));
      all.add(
          Arguments.of(
              command,
              "duplicate key under spark:",
              (UnaryOperator<String>)
                  t -> t + "spark:\n  spark.driver.memory: 1g\n  spark.driver.memory: 2g\n",
              List.of(),
              "Duplicate key 'spark.driver.memory' under 'spark:'"));
      all.add(
          Arguments.of(
              command,
              "memory size Spark cannot read",
              (UnaryOperator<String>) t -> t + "spark:\n  spark.executor.memory: lots\n",
              List.of(),
              "spark.executor.memory is 'lots' in the spark: section"));
      all.add(
          Arguments.of(
              command,
              "SQL setting Spark cannot read",
              (UnaryOperator<String>) t -> t + "spark:\n  spark.sql.shuffle.partitions: many\n",
              List.of(),
              "spark.sql.shuffle.partitions is 'many' in the spark: section"));
    }
    for (String command : List.of("plan", "run")) {
      all.add(
          Arguments.of(
              command,
              "--conf value Spark cannot read",
              (UnaryOperator<String>) t -> t,
              List.of("--conf", "spark.sql.ansi.enabled=maybe"),
              "spark.sql.ansi.enabled is 'maybe' in --conf"));
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("refusals")
  void everyCommandRefusesItBeforeAnySparkJob(
      String command, String what, UnaryOperator<String> edit, List<String> flags, String says)
      throws Exception {
    Path output = dir.resolve(command + "-" + what.replaceAll("\\W+", "-"));
    Path file = Files.createTempFile(dir, "job", ".yaml");
    Files.writeString(file, edit.apply(job(output)));
    List<String> args = new ArrayList<>(List.of(command, "--config", file.toString()));
    args.addAll(flags);
    int jobsBefore = CliRunner.jobs();
    CliRunner.Run r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(ExitCode.INVALID, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains(says), r.err());
    assertFalse(r.out().contains("is valid"), r.out());
    assertEquals(jobsBefore, CliRunner.jobs(), "no Spark job ran before the error");
    assertFalse(Files.exists(output), "nothing written");
  }
}

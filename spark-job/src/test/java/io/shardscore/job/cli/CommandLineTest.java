package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line is a thin wrapper over the library action: same manifests, clear exits. */
class CommandLineTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;
  static SparkSession spark;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, 20_000);
    model = SparkTestSession.model(dir);
  }

  private static JobYaml job(Path output) {
    return JobYaml.demo(input, model, output)
        .set("sharding.ranges", "0-9999,10000-19999")
        .set("sharding.max-rows-per-partition", 3000);
  }

  private static Path jobFile(String name, Path output) {
    return job(output).write(dir.resolve(name + ".yaml"));
  }

  private static CliRunner.Run cli(String... args) {
    return CliRunner.run(args);
  }

  @Test
  void theCliAndTheLibraryCommitTheSameManifestForTheSameJob() throws Exception {
    Path viaCli = dir.resolve("via-cli");
    Path viaLibrary = dir.resolve("via-library");
    int jobsBefore = CliRunner.jobs();
    CliRunner.Run run = cli("run", "--config", jobFile("cli", viaCli).toString());
    assertEquals(0, run.exit(), run.err());
    assertTrue(
        CliRunner.jobs() > jobsBefore,
        "the job counter sees the command's Spark jobs (so 'no Spark job ran' means none ran)");
    assertTrue(run.out().contains("committed: "), run.out());
    ScoreResult lib =
        Shardscore.job(spark, JobConfigReader.read(jobFile("lib", viaLibrary))).execute();

    Manifest a = Shardscore.manifest(spark, viaCli.toString()).orElseThrow();
    Manifest b = Shardscore.manifest(spark, viaLibrary.toString()).orElseThrow();
    assertEquals(a.plan(), b.plan());
    assertEquals(a.model(), b.model());
    assertEquals(a.settingsDigest(), b.settingsDigest());
    assertEquals(a.version(), b.version());
    assertEquals(a.shards().size(), b.shards().size());
    for (int i = 0; i < a.shards().size(); i++) {
      Manifest.ShardEntry x = a.shards().get(i);
      Manifest.ShardEntry y = b.shards().get(i);
      assertEquals(x.name(), y.name());
      assertEquals(x.rows(), y.rows());
      assertEquals(x.errorRows(), y.errorRows());
      assertEquals(rowsPerFile(x.files()), rowsPerFile(y.files()));
      assertEquals(
          names(x.files(), a.runId(), a.commitId()),
          names(y.files(), b.runId(), b.commitId()),
          "same files but for the run id, the attempt id and Spark's task attempt id");
    }
    assertEquals(lib.rowsScored(), a.totalRows());
  }

  private static List<Long> rowsPerFile(List<Manifest.FileEntry> files) {
    return files.stream().map(Manifest.FileEntry::rows).toList();
  }

  private static List<String> names(
      List<Manifest.FileEntry> files, String runId, String attemptId) {
    return files.stream()
        .map(
            f ->
                f.path()
                    .replace(runId, "RUN")
                    .replace(attemptId, "ATTEMPT")
                    .replaceAll("-t\\d+\\.parquet$", "-tTASK.parquet"))
        .toList();
  }

  @Test
  void aConfigErrorExitsWithTwoBeforeAnySparkJobRuns() throws Exception {
    Path out = dir.resolve("never");
    Path file = job(out).set("scoring.batchsize", 10).write(dir.resolve("typo.yaml"));
    int jobsBefore = CliRunner.jobs();
    CliRunner.Run run = cli("run", "--config", file.toString());
    assertEquals(ExitCode.INVALID, run.exit());
    assertTrue(run.err().contains("'scoring.batchsize'"), run.err());
    assertEquals(jobsBefore, CliRunner.jobs(), "no Spark job ran");
    assertTrue(!Files.exists(out));
  }

  @Test
  void aFlagOverridesTheFileAndIsValidatedLikeIt() throws Exception {
    Path out = dir.resolve("override");
    Path file = jobFile("override", out);
    int jobsBefore = CliRunner.jobs();
    CliRunner.Run run = cli("run", "--config", file.toString(), "--batch-size", "0");
    assertEquals(ExitCode.INVALID, run.exit());
    assertTrue(run.err().contains("scoring.batch-size is 0"), run.err());
    assertEquals(jobsBefore, CliRunner.jobs());
    CliRunner.Run device = cli("run", "--config", file.toString(), "--device", "tpu");
    assertEquals(ExitCode.INVALID, device.exit());
    assertTrue(
        device.err().contains("scoring.device is 'tpu'; use cpu, gpu or auto"), device.err());
    CliRunner.Run gpu = cli("run", "--config", file.toString(), "--device", "gpu");
    assertEquals(ExitCode.INVALID, gpu.exit());
    assertTrue(gpu.err().contains("spark.task.resource.gpu.amount"), gpu.err());
    assertEquals(jobsBefore, CliRunner.jobs(), "no Spark job ran");
  }

  @Test
  void aMissingModelExitsWithTwoAndNamesThePath() throws Exception {
    Path out = dir.resolve("no-model");
    Path file = jobFile("no-model", out);
    CliRunner.Run run =
        cli("run", "--config", file.toString(), "--model", dir.resolve("missing.onnx").toString());
    assertEquals(ExitCode.INVALID, run.exit());
    assertTrue(run.err().contains("missing.onnx does not exist"), run.err());
    assertTrue(!Files.exists(out.resolve("_shardscore/manifests")));
  }

  @Test
  void anExceededErrorBudgetExitsWithThree() throws Exception {
    Path out = dir.resolve("budget");
    CliRunner.Run run =
        cli("run", "--config", jobFile("budget", out).toString(), "--max-error-fraction", "0");
    assertEquals(ExitCode.ERROR_BUDGET_EXCEEDED, run.exit(), run.err());
    assertTrue(run.err().contains("could not be scored"), run.err());
  }

  @Test
  void planAndSyncWorkFromTheCommandLine() throws Exception {
    Path out = dir.resolve("planned");
    Path file = jobFile("planned", out);
    assertEquals(0, cli("run", "--config", file.toString()).exit());
    CliRunner.Run plan = cli("plan", "--config", file.toString(), "--json");
    assertEquals(0, plan.exit(), plan.err());
    assertTrue(plan.out().contains("\"action\" : \"unchanged\""), plan.out());
    assertTrue(plan.out().contains("\"filesRead\" : 0"), plan.out());
    CliRunner.Run text = cli("plan", "--config", file.toString(), "--shards", "0-9999");
    assertTrue(text.out().contains("selected by --shards"), text.out());
    Path copy = dir.resolve("planned-copy");
    CliRunner.Run sync = cli("sync", "--from", out.toString(), "--to", copy.toString());
    assertEquals(0, sync.exit(), sync.err());
    assertTrue(sync.out().contains("synced version 1"), sync.out());
    assertTrue(
        cli("sync", "--from", out.toString(), "--to", copy.toString())
            .out()
            .contains("up to date"));
    CliRunner.Run missing =
        cli("sync", "--from", dir.resolve("nothing").toString(), "--to", copy.toString());
    assertEquals(ExitCode.NOT_COMMITTED, missing.exit());
    assertTrue(missing.err().contains("has no committed shardscore manifest"), missing.err());
  }

  @Test
  void helpListsTheCommandsAndExitCodes() {
    CliRunner.Run run = cli("--help");
    assertEquals(0, run.exit());
    assertTrue(
        run.out().contains("run") && run.out().contains("demo") && run.out().contains("validate"));
    assertTrue(run.out().contains("Exit codes"), run.out());
    CliRunner.Run runHelp = cli("run", "--help");
    assertTrue(
        runHelp.out().contains("--config") && runHelp.out().contains("--max-error-fraction"));
  }

  @Test
  void validateChecksAFileWithoutSpark() throws Exception {
    assertEquals(
        0, cli("validate", "--config", jobFile("valid", dir.resolve("v")).toString()).exit());
    assertEquals(
        ExitCode.INVALID,
        cli("validate", "--config", dir.resolve("absent.yaml").toString()).exit());
  }

  @Test
  void theRunSummaryStaysAlignedWithALongShardName() {
    String thirty = "north-region-customers-part-00";
    Path file =
        job(dir.resolve("long-names"))
            .set("sharding.ranges", List.of("{name: " + thirty + ", range: 0-9999}", "10000-19999"))
            .write(dir.resolve("long-names.yaml"));
    CliRunner.Run run = cli("run", "--config", file.toString());
    assertEquals(0, run.exit(), run.err());
    List<String> lines = run.out().lines().toList();
    int header = 0;
    while (!lines.get(header).startsWith("shard ")) {
      header++;
    }
    String top = lines.get(header);
    String longRow = lines.get(header + 1);
    String shortRow = lines.get(header + 2);
    assertTrue(longRow.startsWith(thirty + " "), run.out());
    int covers = top.indexOf("covers");
    assertEquals(covers, longRow.indexOf("0-9999"), run.out());
    assertEquals(covers, shortRow.lastIndexOf("10000-19999"), run.out());
    assertEquals(top.length(), longRow.length(), run.out());
    assertEquals(top.length(), shortRow.length(), run.out());
  }
}

package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shardscore report}: the newest or the named run's report, and clear refusals. */
class ReportCommandTest {
  @TempDir static Path dir;
  static Path out;
  static ScoreResult result;

  @BeforeAll
  static void oneRun() {
    Path input = SparkTestSession.customers(dir, 1_000);
    Path model = SparkTestSession.model(dir);
    out = dir.resolve("scores");
    result =
        Shardscore.job(
                SparkTestSession.get(),
                SparkTestSession.job(input, model, out, "0-499,500-999", ""))
            .execute();
  }

  @Test
  void printsTheNewestReportAndThePathOfItsPage() {
    CliRunner.Run run = CliRunner.run("report", out.toString());
    assertEquals(ExitCode.OK, run.exit(), run.err());
    assertTrue(run.out().contains("run " + result.runId() + "   version v1"), run.out());
    assertTrue(run.out().contains("0-499"), run.out());
    assertTrue(run.out().contains("errors by reason:"), run.out());
    String page = run.out().substring(run.out().indexOf("report page: ") + 13).trim();
    assertTrue(page.startsWith(out.toString()) && page.endsWith(".html"), page);
    assertTrue(Files.isRegularFile(Path.of(page)), page);
  }

  @Test
  void htmlPrintsOnlyThePathAndWritesAMissingPageFromTheJsonReport() throws Exception {
    CliRunner.Run first = CliRunner.run("report", out.toString(), "--html");
    Path page = Path.of(first.out().trim());
    String before = Files.readString(page);
    Files.delete(page);
    CliRunner.Run again =
        CliRunner.run("report", out.toString(), "--run", result.runId(), "--html");
    assertEquals(ExitCode.OK, again.exit(), again.err());
    assertEquals(first.out(), again.out());
    assertEquals(before, Files.readString(page));
  }

  @Test
  void anUnknownRunIdIsRefusedNamingTheKnownOnes() {
    CliRunner.Run run = CliRunner.run("report", out.toString(), "--run", "nope");
    assertEquals(ExitCode.INVALID, run.exit());
    assertTrue(
        run.err().contains("No report of run 'nope'")
            && run.err().contains("Runs with a report: " + result.runId() + "."),
        run.err());
  }

  @Test
  void anOutputWithoutReportsIsRefused() {
    CliRunner.Run run = CliRunner.run("report", dir.resolve("empty").toString());
    assertEquals(ExitCode.INVALID, run.exit());
    assertTrue(run.err().contains("has no run reports"), run.err());
  }
}

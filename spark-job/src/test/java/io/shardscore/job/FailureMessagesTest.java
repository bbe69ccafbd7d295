package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.error.ScoringFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that cannot commit describes the state it leaves, as it is: the version readers still see
 * (or that the output never had a commit), and a staging folder only when it exists and holds what
 * the message says it holds.
 */
class FailureMessagesTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path input;
  static Path model;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, 4_000);
    model = SparkTestSession.model(dir);
  }

  private static JobConfig job(Path out, String ranges, String extra) {
    return SparkTestSession.job(input, model, out, ranges, extra);
  }

  private static final String STRICT = "scoring:\n  max-error-fraction: 0.00001\n";

  @Test
  void theBudgetOnAnOutputWithoutACommitSaysThereIsNoCommit() {
    Path out = dir.resolve("budget-new");
    ScoringFailedException e =
        assertThrows(
            ScoringFailedException.class,
            () -> Shardscore.job(spark, job(out, "0-1999,2000-3999", STRICT)).execute());
    assertEquals(ScoringFailedException.Reason.ERROR_BUDGET_EXCEEDED, e.reason());
    assertTrue(e.getMessage().contains("has no commit"), e.getMessage());
    assertFalse(e.getMessage().contains("previous commit"), e.getMessage());
    assertNamedFolderHoldsFiles(e.getMessage(), "kept for inspection under ");
  }

  @Test
  void theBudgetOnACommittedOutputNamesTheVersionReadersStillSee() {
    Path out = dir.resolve("budget-committed");
    String runId = Shardscore.job(spark, job(out, "0-1999,2000-3999", "")).execute().runId();
    JobConfig strict =
        job(out, "0-1999,2000-3999", STRICT)
            .withOutput(new OutputConfig(out.toString(), "overwrite"));
    ScoringFailedException e =
        assertThrows(ScoringFailedException.class, () -> Shardscore.job(spark, strict).execute());
    assertTrue(
        e.getMessage().contains(out + " still shows version 1 (run " + runId + ")"),
        e.getMessage());
  }

  @Test
  void aTaskFailureBeforeAnyShardFinishedNamesNoStagingFolder() {
    // Rows without defects: one shard, one task, no rows for the null-key or unmatched shards.
    Path clean = dir.resolve("clean-customers");
    io.shardscore.job.demo.DemoData.frame(spark, 4_000, 1, false).write().parquet(clean.toString());
    Path out = dir.resolve("task-fails-alone");
    JobConfig oneTask = SparkTestSession.job(clean, model, out, "0-3999", "");
    Throwable t = Faults.crash("task-partition:0", () -> Shardscore.job(spark, oneTask).execute());
    assertTrue(t instanceof ScoringFailedException, t.toString());
    assertEquals(ScoringFailedException.Reason.TASK_FAILED, ((ScoringFailedException) t).reason());
    assertTrue(
        t.getMessage().contains("No shard finished all its tasks before the failure"),
        t.getMessage());
    assertFalse(t.getMessage().contains(OutputPaths.META_DIR + "/staging"), t.getMessage());
  }

  @Test
  void aTaskFailureCountsTheShardsThatFinishedAndTheirFolderExists() throws Exception {
    Path out = dir.resolve("task-fails-among-others");
    Throwable t =
        Faults.crash(
            "task-partition:3",
            () ->
                Shardscore.job(spark, job(out, "0-999,1000-1999,2000-2999,3000-3999", ""))
                    .execute());
    assertTrue(t instanceof ScoringFailedException, t.toString());
    // How many of the other three finished before the failure depends on scheduling; the message
    // must say exactly what the staging folder holds after the run returned.
    Matcher m =
        Pattern.compile(
                "(\\d+) of \\d+ shards to score finished; their files are kept under (\\S+):")
            .matcher(t.getMessage());
    if (!m.find()) {
      assertTrue(t.getMessage().contains("No shard finished all its tasks"), t.getMessage());
      return;
    }
    Path staging = local(m.group(2));
    // Every shard here has one task: its marker is its shard's.
    try (Stream<Path> markers = Files.list(staging.resolve(OutputPaths.DONE_DIR))) {
      assertEquals(Long.parseLong(m.group(1)), markers.count(), t.getMessage());
    }
  }

  private static void assertNamedFolderHoldsFiles(String message, String before) {
    int at = message.indexOf(before);
    assertTrue(at >= 0, message);
    String named = message.substring(at + before.length()).split("\\.\\s")[0];
    Path folder = local(named.endsWith(".") ? named.substring(0, named.length() - 1) : named);
    assertTrue(Files.isDirectory(folder), "the named folder exists: " + message);
    try (Stream<Path> files = Files.walk(folder)) {
      assertTrue(
          files.anyMatch(f -> f.toString().endsWith(".parquet")),
          "the named folder holds the rejected rows' files: " + message);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A local path as messages print it: qualified ({@code file:/…}) or plain. */
  private static Path local(String printed) {
    return printed.startsWith("file:") ? Path.of(java.net.URI.create(printed)) : Path.of(printed);
  }
}

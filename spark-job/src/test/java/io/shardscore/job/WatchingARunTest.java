package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the driver shows of a run while it runs (progress lines, a line per finished shard) and
 * afterwards (time by phase, Spark's stage IO and executor memory in the run report). The lines are
 * read from the progress logger, where they go when standard output is not a terminal.
 */
class WatchingARunTest {
  private static final String PROGRESS_LOGGER = "io.shardscore.job.run.RunProgress";
  private static final Pattern PROGRESS = Pattern.compile("progress \\(live\\): ([\\d,]+) of ");
  private static final Pattern SHARD =
      Pattern.compile("shard (\\S+) done \\(live\\): ([\\d,]+) rows?");

  @TempDir static Path dir;
  static SparkSession spark;
  static Path out;
  static ScoreResult result;
  static final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  static AbstractAppender capture;

  @BeforeAll
  static void run() {
    spark = SparkTestSession.get();
    Path input = SparkTestSession.customers(dir, 3_000);
    Path model = SparkTestSession.model(dir);
    out = dir.resolve("out");
    capture = captureProgressLines();
    JobConfig job =
        JobYaml.demo(input, model, out)
            .set("sharding.ranges", JobYaml.quoted("0-999,1000-1999,2000-2999"))
            // 3 shards of 1,000 rows, 100 rows a task: 30 scoring tasks.
            .set("sharding.max-rows-per-partition", 100)
            .set("model.features", JobYaml.flow(DemoData.FEATURES))
            .set("scoring.progress-interval", 0)
            .parse("watched job");
    result = Shardscore.job(spark, job).execute();
    // RunProgress drains Spark's listener bus before it is removed, and logs synchronously: every
    // line of the run has been captured when execute() returns.
  }

  @AfterAll
  static void stopCapturing() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    ctx.getConfiguration().removeLogger(PROGRESS_LOGGER);
    ctx.updateLoggers();
    capture.stop();
  }

  @Test
  void progressLinesCountUpAndEveryScoredShardGetsOneLineWhenItFinishes() {
    assertTrue(result.tasks() >= 20, "tasks: " + result.tasks());
    List<Long> done = new ArrayList<>();
    List<String> shardLines = new ArrayList<>();
    synchronized (lines) {
      for (String line : lines) {
        Matcher m = PROGRESS.matcher(line);
        if (m.find()) {
          done.add(Long.parseLong(m.group(1).replace(",", "")));
        }
        if (SHARD.matcher(line).find()) {
          shardLines.add(line);
        }
      }
    }
    assertTrue(done.size() >= 2, "progress lines: " + lines);
    for (int i = 1; i < done.size(); i++) {
      assertTrue(done.get(i) > done.get(i - 1), "rows done must grow: " + done);
    }
    assertEquals(result.rowsProcessed(), done.get(done.size() - 1), lines.toString());
    // Interval 0: a progress line at every finished task.
    assertEquals(result.tasks(), done.size(), lines.toString());

    // Every shard this run's tasks worked on: the three ranges and the null-key row's shard.
    List<ShardStatus> scored = result.shards().stream().filter(s -> s.partitions() > 0).toList();
    assertEquals(4, scored.size(), result.shards().toString());
    assertEquals(scored.size(), shardLines.size(), shardLines.toString());
    for (ShardStatus s : scored) {
      List<String> mine =
          shardLines.stream().filter(l -> l.startsWith("shard " + s.name() + " done")).toList();
      assertEquals(1, mine.size(), s.name() + ": " + shardLines);
      Matcher m = SHARD.matcher(mine.get(0));
      assertTrue(m.find());
      assertEquals(
          s.rows() + s.errorRows(), Long.parseLong(m.group(2).replace(",", "")), mine.get(0));
    }
  }

  @Test
  void thePhasesAddUpToTheElapsedTimeAndTheSummaryPrintsThem() {
    Map<String, Long> phases = result.phaseMillis();
    assertEquals(
        List.of("setup", "census", "resume", "placement", "model", "rows", "manifest", "commit"),
        List.copyOf(phases.keySet()));
    phases.forEach((name, millis) -> assertTrue(millis >= 0, name + ": " + millis));
    long sum = phases.values().stream().mapToLong(Long::longValue).sum();
    assertTrue(
        Math.abs(sum - result.elapsedMillis()) <= result.elapsedMillis() * 0.05,
        "phases " + phases + " add up to " + sum + " ms, the run took " + result.elapsedMillis());
    assertTrue(result.summary().contains("time by phase: setup "), result.summary());
  }

  @Test
  void theRunReportHoldsPhasesStageIoAndExecutorMemory() throws Exception {
    File[] reports =
        out.resolve("_shardscore/reports").toFile().listFiles((d, n) -> n.endsWith(".json"));
    assertEquals(1, reports.length);
    JsonNode report = new ObjectMapper().readTree(reports[0]);
    assertEquals(8, report.get("phases").size(), report.toString());
    long sum = 0;
    for (JsonNode phase : report.get("phases")) {
      sum += phase.get("millis").asLong();
    }
    assertEquals(result.elapsedMillis(), sum, report.get("phases").toString());
    JsonNode io = report.get("io");
    assertTrue(io.get("bytesWritten").asLong() > 0, io.toString());
    assertTrue(io.get("bytesRead").asLong() > 0, io.toString());
    assertTrue(io.get("shuffleBytesWritten").asLong() > 0, io.toString());
    assertTrue(io.get("shuffleBytesRead").asLong() > 0, io.toString());
    JsonNode memory = report.get("executorMemory");
    assertTrue(memory.size() >= 1, report.toString());
    for (JsonNode executor : memory) {
      assertTrue(executor.get("jvmHeapPeakBytes").asLong() > 0, memory.toString());
    }
  }

  @Test
  void aProgressIntervalThatIsNotADurationIsRefusedWithHowToWriteOne() {
    JobConfig job =
        JobYaml.demo(dir.resolve("in"), dir.resolve("m.onnx"), dir.resolve("o"))
            .set("sharding.ranges", JobYaml.quoted("0-9"))
            .set("model.features", JobYaml.flow(DemoData.FEATURES))
            .set("scoring.progress-interval", "soon")
            .parse("bad interval");
    JobConfigException e =
        assertThrows(JobConfigException.class, () -> JobConfigValidator.validate(job, false));
    assertTrue(
        e.getMessage().contains("scoring.progress-interval is 'soon'; use a duration such as 0"),
        e.getMessage());
  }

  private static AbstractAppender captureProgressLines() {
    AbstractAppender appender =
        new AbstractAppender("progress-lines", null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            lines.add(event.getMessage().getFormattedMessage());
          }
        };
    appender.start();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    config.addAppender(appender);
    LoggerConfig logger = new LoggerConfig(PROGRESS_LOGGER, Level.INFO, true);
    logger.addAppender(appender, Level.INFO, null);
    config.addLogger(PROGRESS_LOGGER, logger);
    ctx.updateLoggers();
    return appender;
  }
}

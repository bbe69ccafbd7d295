package io.shardscore.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.config.Settings;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run report page of two real committed runs, opened in a real browser (Debian's {@code
 * chromium}, headless): what the browser's DOM holds is what a person sees. Fails when chromium is
 * missing, unless {@code SHARDSCORE_SKIP_BROWSER=1}.
 */
class ReportPageBrowserTest {
  private static final Pattern ROW = Pattern.compile("<tr data-shard=\"([^\"]*)\"");
  private static final Pattern BAR =
      Pattern.compile(
          "<rect class=\"bar [^\"]*\" data-shard=\"([^\"]*)\" data-rows=\"(\\d+)\"[^>]*"
              + " height=\"([0-9.]+)\"");

  @TempDir static Path dir;
  static ScoreResult first;
  static ScoreResult second;
  static ReportFiles.Located report;

  @BeforeAll
  static void twoRuns() throws IOException {
    Path input = SparkTestSession.customers(dir, 3_000);
    Path model = SparkTestSession.model(dir);
    Path out = dir.resolve("scores");
    first =
        Shardscore.job(
                SparkTestSession.get(),
                SparkTestSession.job(input, model, out, "0-499,500-1999,2000-2999", ""))
            .execute();
    JobConfig again =
        SparkTestSession.job(input, model, out, "0-299,300-1999,2000-2999", "")
            .with(Settings.OUTPUT_MODE, OutputMode.OVERWRITE.configName());
    second = Shardscore.job(SparkTestSession.get(), again).execute();
    FileSystem fs = FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    report = new ReportFiles(fs, new org.apache.hadoop.fs.Path(out.toUri())).newest().orElseThrow();
  }

  @Test
  void theBrowserShowsOneRowAndOneBarPerShardWithHeightsProportionalToRows() throws Exception {
    String dom = dumpDom(Path.of(report.html().toUri()));
    List<ShardStatus> shards = second.shards();
    assertEquals(second.runId(), report.report().runId());
    assertTrue(shards.stream().anyMatch(s -> s.status().equals("deleted")), "a shard was removed");

    List<String> rows = all(ROW, dom, 1);
    assertEquals(shards.stream().map(ShardStatus::name).toList(), rows, dom);

    Map<String, Long> dataRows = new HashMap<>();
    Map<String, Double> heights = new HashMap<>();
    Matcher bar = BAR.matcher(dom);
    while (bar.find()) {
      dataRows.put(bar.group(1), Long.parseLong(bar.group(2)));
      heights.put(bar.group(1), Double.parseDouble(bar.group(3)));
    }
    assertEquals(shards.size(), dataRows.size(), dom);
    long max = shards.stream().mapToLong(ShardStatus::rows).max().orElseThrow();
    assertTrue(shards.stream().mapToLong(ShardStatus::rows).distinct().count() > 1, "rows differ");
    for (ShardStatus s : shards) {
      assertEquals(s.rows(), dataRows.get(s.name()), s.name());
      assertEquals(ReportPage.CHART_HEIGHT * s.rows() / max, heights.get(s.name()), 0.01, s.name());
    }

    // The previous report is the first run's: same rows in, different shards.
    assertTrue(dom.contains(first.runId() + ", version v" + first.manifestVersion()), dom);
    List<String> before = first.shards().stream().map(ShardStatus::name).toList();
    for (ShardStatus s : shards) {
      if (!before.contains(s.name())) {
        assertTrue(dom.contains(ReportPage.escape(s.name() + ": new, ")), s.name() + "\n" + dom);
      }
    }
    // Errors by reason add up to the committed error rows, with sample keys.
    assertTrue(second.rowsRejected() > 0);
    Map<String, List<Long>> keysByReason = new HashMap<>();
    for (org.apache.spark.sql.Row row : second.errors().collectAsList()) {
      keysByReason
          .computeIfAbsent(row.getAs("error_reason"), k -> new ArrayList<>())
          .add(row.getAs("customer_id"));
    }
    long reasonRows = 0;
    for (ErrorReason e : report.report().errorReasons()) {
      reasonRows += e.rows();
      List<Long> keys = keysByReason.get(e.reason());
      assertEquals(keys.size(), e.rows(), e.reason());
      List<String> expected = new ArrayList<>();
      Long smallest = keys.stream().filter(Objects::nonNull).min(Long::compare).orElse(null);
      Long largest = keys.stream().filter(Objects::nonNull).max(Long::compare).orElse(null);
      expected.add(smallest == null ? null : String.valueOf(smallest));
      if (largest != null && !largest.equals(smallest)) {
        expected.add(String.valueOf(largest));
      }
      assertEquals(expected, e.sampleKeys(), e.reason());
      assertTrue(dom.contains("data-reason=\"" + serializedAttribute(e.reason()) + "\""), dom);
    }
    assertEquals(second.rowsRejected(), reasonRows);
    // Read on the driver (errors are few) or added up by Spark: the same reasons.
    FileSystem fs = FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(second.output());
    io.shardscore.job.commit.Manifest m =
        new io.shardscore.job.commit.ManifestStore(fs, root).current().orElseThrow();
    assertEquals(
        report.report().errorReasons(), ErrorReasons.of(fs, root, second, m, "customer_id", 0));
  }

  @Test
  void thePageIsWrittenNextToTheJsonReportWithTheSameName() {
    assertTrue(new File(report.json().toUri()).isFile());
    assertTrue(new File(report.html().toUri()).isFile());
    assertEquals(
        report.json().getName().replace(".json", ".html"), report.html().getName(), "same base");
  }

  /**
   * {@code text} as a browser serializes an attribute value: only {@code &} and {@code "} escaped.
   */
  private static String serializedAttribute(String text) {
    return text.replace("&", "&amp;").replace("\"", "&quot;");
  }

  private static List<String> all(Pattern p, String text, int group) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(m.group(group));
    }
    return out;
  }

  /** The DOM headless chromium built from {@code page}. */
  static String dumpDom(Path page) throws IOException, InterruptedException {
    if ("1".equals(System.getenv("SHARDSCORE_SKIP_BROWSER"))) {
      Assumptions.abort("SHARDSCORE_SKIP_BROWSER=1: the report page is not opened in chromium");
    }
    String chromium = chromium();
    if (chromium == null) {
      fail(
          "chromium is not installed: install it (apt-get install -y chromium, as .ci/run does) or"
              + " set SHARDSCORE_SKIP_BROWSER=1 to skip the browser tests");
    }
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    Path stdout = dir.resolve("dom-" + System.nanoTime() + ".html");
    Path stderr = dir.resolve("chromium-" + System.nanoTime() + ".log");
    Process p =
        new ProcessBuilder(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--dump-dom",
                page.toUri().toString())
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish within 180 s; its log: " + Files.readString(stderr));
    }
    String dom = Files.readString(stdout, StandardCharsets.UTF_8);
    if (p.exitValue() != 0 || !dom.contains("</html>")) {
      fail("chromium exited with " + p.exitValue() + "; its log: " + Files.readString(stderr));
    }
    return dom;
  }

  private static String chromium() {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        File f = new File(d, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }
}

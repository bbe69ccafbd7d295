package io.shardscore.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.SparkTestSession;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.Settings;
import io.shardscore.job.result.ShardStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page's text: escaping, sections left out when empty, secrets masked. */
class ReportPageTest {
  private static final String HOSTILE = "<script>alert('x')</script>&\"";

  private static RunReport report(
      List<Phase> phases, StageIo io, List<ExecutorMemory> memory, Map<String, String> config) {
    return new RunReport(
        HOSTILE,
        3,
        "/out/" + HOSTILE,
        "sha256:" + HOSTILE,
        100,
        97,
        3,
        1500,
        66.7,
        400,
        2,
        Map.of("driver", 1),
        Map.of("driver", List.of("cpu() " + HOSTILE)),
        List.of(
            new ShardStatus(0, "a" + HOSTILE, "0-9", "scored", 60, 2, 1, 1),
            new ShardStatus(1, "b", "10-19", "unchanged", 37, 1, 0, 1)),
        phases,
        io,
        memory,
        "2026-12-02T16:00:00Z",
        config,
        List.of(new ErrorReason("feature " + HOSTILE + " is null", 3, List.of("7", HOSTILE))),
        List.of(
            new ShardChange(
                1, "b", "10-19", ShardChange.Status.UNCHANGED, "input unchanged", 37, 38, null)));
  }

  @Test
  void everyTextFromDataOrConfigIsEscaped() {
    String html =
        ReportPage.render(
            report(List.of(), StageIo.NONE, List.of(), Map.of("model.path", HOSTILE)), null);
    assertFalse(html.contains("<script"), html);
    assertFalse(html.contains("alert('x')"), html);
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"), html);
  }

  @Test
  void thePageFetchesNothing() {
    String html =
        ReportPage.render(
            report(
                List.of(new Phase("scoring", 5)),
                new StageIo(1, 2, 3, 4),
                List.of(new ExecutorMemory("1", 1, 1)),
                Map.of("k", "v")),
            report(List.of(), StageIo.NONE, List.of(), Map.of()));
    for (String fetching : List.of("src=", "href=", "<script", "<link", "@import", "url(")) {
      assertFalse(html.contains(fetching), fetching);
    }
    assertTrue(html.contains("<style>") && html.contains("<svg"));
  }

  @Test
  void sectionsOfObservationsAreLeftOutWhenEmptyAndShownWhenPresent() {
    String empty = ReportPage.render(report(List.of(), StageIo.NONE, List.of(), Map.of()), null);
    assertFalse(empty.contains("id=\"phases-chart\""));
    assertFalse(empty.contains("id=\"io\""));
    assertFalse(empty.contains("heap peak"));
    assertFalse(empty.contains("id=\"config\""));
    assertTrue(empty.contains("No earlier report of this output."));

    List<Phase> phases = List.of(new Phase("setup", 100), new Phase("scoring", 300));
    String full =
        ReportPage.render(
            report(
                phases,
                new StageIo(1 << 20, 2, 3, 4),
                List.of(new ExecutorMemory("driver", 512L << 20, 0)),
                Map.of("scoring.batch-size", "1024")),
            report(List.of(), StageIo.NONE, List.of(), Map.of()));
    assertTrue(full.contains("id=\"io\""));
    assertTrue(full.contains("1.0 MiB"));
    assertTrue(full.contains("512.0 MiB"));
    assertTrue(full.contains("scoring.batch-size"));
    // One stacked bar: each phase's width is its share of the whole.
    Matcher m =
        Pattern.compile("data-millis=\"(\\d+)\" x=\"[0-9.]+\" y=\"0\" width=\"([0-9.]+)\"")
            .matcher(full);
    double[] widths = new double[2];
    for (int i = 0; i < 2; i++) {
      assertTrue(m.find(), full);
      widths[i] = Double.parseDouble(m.group(2));
    }
    assertEquals(3 * widths[0], widths[1], 0.02);
    // The previous report is compared: errors 3 = 3, one shard with other rows.
    assertTrue(full.contains("id=\"comparison\""));
  }

  @Test
  void secretsAreMaskedInTheEffectiveConfig() {
    Path dir = Path.of("target", "does-not-exist");
    JobConfig config =
        SparkTestSession.job(dir, dir, dir.resolve("out"), "0-9", "")
            .with(Settings.INPUT_PATH, "s3a://AKIAKEY:SECRETVALUE@bucket/data")
            .with(Settings.INPUT_OPTIONS, Map.of("password", "OPTIONPASS", "header", "true"))
            .with(
                Settings.SPARK,
                Map.of(
                    "spark.hadoop.fs.s3a.access.key", "AKIAKEY",
                    "spark.hadoop.fs.s3a.secret.key", "SECRETVALUE",
                    "spark.hadoop.fs.s3a.session.token", "TOKENVALUE",
                    "spark.hadoop.javax.jdo.option.ConnectionPassword", "PASSVALUE",
                    "spark.hadoop.google.cloud.auth.service.account.json.keyfile", "/k.json",
                    "spark.executor.memory", "2g"));
    Map<String, String> shown = EffectiveConfig.of(config);
    String all = shown.toString();
    for (String secret :
        List.of("AKIAKEY", "SECRETVALUE", "TOKENVALUE", "PASSVALUE", "/k.json", "OPTIONPASS")) {
      assertFalse(all.contains(secret), secret + " in " + all);
    }
    assertEquals("2g", shown.get("spark.executor.memory"));
    assertEquals("s3a://" + EffectiveConfig.MASK + "@bucket/data", shown.get("input.path"));
    assertEquals("1024", shown.get("scoring.batch-size"));
    assertEquals("true", shown.get("input.options.header"));
    assertEquals(EffectiveConfig.MASK, shown.get("spark.hadoop.fs.s3a.secret.key"));
  }

  @Test
  void azureKeysSasTokensAndPasswordsInAUrlQueryAreMasked() {
    Path dir = Path.of("target", "does-not-exist");
    JobConfig config =
        SparkTestSession.job(dir, dir, dir.resolve("out"), "0-9", "")
            .with(
                Settings.INPUT_OPTIONS,
                Map.of(
                    "url", "jdbc:postgresql://db:5432/shop?user=reader&password=URLPASS&ssl=true",
                    "dbtable", "customers"))
            .with(
                Settings.SPARK,
                Map.of(
                    "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net", "AZUREKEY",
                    "spark.hadoop.fs.azure.sas.box.acct.blob.core.windows.net", "SASVALUE",
                    "spark.hadoop.fs.s3a.endpoint", "https://s3.example.com/?X-Amz-Credential=C1",
                    "spark.executor.memory", "2g"));
    Map<String, String> shown = EffectiveConfig.of(config);
    String all = shown.toString();
    for (String secret : List.of("AZUREKEY", "SASVALUE", "URLPASS", "C1")) {
      assertFalse(all.contains(secret), secret + " in " + all);
    }
    assertEquals(
        "jdbc:postgresql://db:5432/shop?user=reader&password=" + EffectiveConfig.MASK + "&ssl=true",
        shown.get("input.options.url"));
    assertEquals("customers", shown.get("input.options.dbtable"));
    assertEquals("2g", shown.get("spark.executor.memory"));
  }
}

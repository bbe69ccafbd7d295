package io.shardscore.job.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The summary printed after a run: its shard table takes its column widths from its content, so
 * long shard names, coverage texts and counts keep every column aligned, and short ones print as
 * README's sample shows.
 */
class RunSummaryTest {
  private static final String HEADER_START = "shard          covers";

  private static ScoreResult result(List<ShardStatus> shards) {
    return new ScoreResult(
        "20261123T205558Z-947090e9",
        2,
        "file:/tmp/scores",
        100,
        90,
        10,
        100,
        4,
        shards,
        12_300,
        700,
        Map.of("driver", 1),
        Map.of(),
        25,
        List.of(),
        true,
        null);
  }

  private static ShardStatus shard(
      String name, String covers, String status, long rows, long errors, int tasks) {
    return new ShardStatus(0, name, covers, status, rows, errors, tasks, tasks);
  }

  /** The table's lines: the header and one per shard, up to the blank line after them. */
  private static List<String> table(String summary) {
    List<String> lines = summary.lines().toList();
    return lines.subList(0, lines.indexOf(""));
  }

  /** The cells of a table line as the renderer was given them, header cells for the header. */
  private static List<String> cells(ShardStatus s) {
    return List.of(
        s.name(),
        s.covers(),
        s.status(),
        String.format(Locale.ROOT, "%,d", s.rows()),
        String.format(Locale.ROOT, "%,d", s.errorRows()),
        String.valueOf(s.partitions()));
  }

  @Test
  void longNamesCoversAndCountsKeepEveryColumnAligned() {
    String thirty = "north-region-customers-part-00";
    assertEquals(30, thirty.length());
    List<ShardStatus> shards =
        List.of(
            shard(thirty, "0-124999", "scored", 124_988, 9, 3),
            shard("customers-01", "125000-249999", "scored", 1_234_567_890_123L, 6, 3),
            shard(
                "customers-02",
                "-9223372036854775808-9223372036854775807",
                "unchanged",
                0,
                12_345_678_901L,
                1234567),
            shard("unmatched", "keys outside every range", "empty", 0, 0, 0),
            shard("null-key", "null keys", "rejected", 0, 20, 1));
    List<String> lines = table(RunSummary.format(result(shards)));
    assertEquals(shards.size() + 1, lines.size(), String.join("\n", lines));
    List<List<String>> cells = new ArrayList<>();
    cells.add(List.of("shard", "covers", "status", "rows", "errors", "tasks"));
    shards.forEach(s -> cells.add(cells(s)));
    // shard and covers are left-aligned: they start at one offset; the rest end at one offset.
    boolean[] left = {true, true, false, false, false, false};
    int[] offset = new int[left.length];
    for (int row = 0; row < lines.size(); row++) {
      String line = lines.get(row);
      int from = 0;
      for (int col = 0; col < left.length; col++) {
        String cell = cells.get(row).get(col);
        int start = line.indexOf(cell, from);
        assertTrue(start >= from, "'" + cell + "' in " + line);
        from = start + cell.length();
        int at = left[col] ? start : from;
        if (row == 0) {
          offset[col] = at;
        } else {
          assertEquals(
              offset[col],
              at,
              "column " + cells.get(0).get(col) + " of\n" + String.join("\n", lines));
        }
      }
      assertEquals(line.length(), from, "nothing after the last column: " + line);
    }
    assertTrue(lines.get(1).startsWith(thirty + " "), lines.get(1));
  }

  /**
   * The shard table of README's demo output, rendered from the values it shows, is exactly the text
   * README shows: short names keep the table's look.
   */
  @Test
  void readmesSampleTableIsWhatTheRendererPrints() throws IOException {
    List<String> readme = readme();
    int start = -1;
    for (int i = 0; i < readme.size(); i++) {
      if (readme.get(i).startsWith(HEADER_START)) {
        start = i;
        break;
      }
    }
    assertTrue(start >= 0, "README shows a run summary");
    List<String> sample = new ArrayList<>();
    for (int i = start; !readme.get(i).isEmpty(); i++) {
      sample.add(readme.get(i));
    }
    Pattern row = Pattern.compile("(\\S+) +(.+?) +(\\S+) +([\\d,]+) +([\\d,]+) +(\\d+)");
    List<ShardStatus> shards = new ArrayList<>();
    for (String line : sample.subList(1, sample.size())) {
      Matcher m = row.matcher(line);
      assertTrue(m.matches(), line);
      shards.add(
          shard(
              m.group(1),
              m.group(2),
              m.group(3),
              Long.parseLong(m.group(4).replace(",", "")),
              Long.parseLong(m.group(5).replace(",", "")),
              Integer.parseInt(m.group(6))));
    }
    assertEquals(10, shards.size(), "the demo's ten shards");
    assertEquals(
        String.join("\n", sample), String.join("\n", table(RunSummary.format(result(shards)))));
  }

  private static List<String> readme() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.exists(dir.resolve("README.md")) || !Files.exists(dir.resolve("spark-job"))) {
      dir = dir.getParent();
    }
    return Files.readAllLines(dir.resolve("README.md"));
  }

  @Test
  void theTimeByPhaseLineListsThePhasesThatTookTimeInTheirOrderAndLeavesEqualityAlone() {
    ScoreResult plain = result(List.of(shard("a", "0-9", "scored", 90, 10, 1)));
    Map<String, Long> phases = new java.util.LinkedHashMap<>();
    phases.put("setup", 1_200L);
    phases.put("census", 3_400L);
    phases.put("resume", 0L);
    phases.put("placement", 2_050L);
    phases.put("commit", 400L);
    ScoreResult timed = plain.withPhaseMillis(phases);
    List<String> lines = timed.summary().lines().toList();
    assertTrue(
        lines.contains(
            "time by phase: setup 1.2 s · census 3.4 s · placement 2.1 s · commit 0.4 s"),
        timed.summary());
    assertEquals(List.copyOf(phases.keySet()), List.copyOf(timed.phaseMillis().keySet()));
    assertTrue(plain.summary().lines().noneMatch(l -> l.startsWith("time by phase")));
    // Wall-clock observations, like the session, are not part of a result's value.
    assertEquals(plain, timed);
    assertEquals(plain.hashCode(), timed.hashCode());
  }
}

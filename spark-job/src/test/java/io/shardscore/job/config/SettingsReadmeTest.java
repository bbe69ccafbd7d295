package io.shardscore.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * README's config reference and its table of override flags are the settings table, written out:
 * every declared key is there with its default, and nothing else is. When a setting changes, paste
 * the table this test prints.
 */
class SettingsReadmeTest {
  private static final String CONFIG_HEADER = "| key | default | meaning |";
  private static final String FLAGS_HEADER = "| override flag | sets |";

  static String configTable() {
    StringBuilder sb = new StringBuilder(CONFIG_HEADER + "\n|---|---|---|\n");
    for (Setting<?> s : Settings.all()) {
      sb.append("| `")
          .append(s.key())
          .append("` | ")
          .append(s.defaultDoc())
          .append(" | ")
          .append(s.doc())
          .append(" |\n");
    }
    return sb.toString();
  }

  static String flagsTable() {
    StringBuilder sb = new StringBuilder(FLAGS_HEADER + "\n|---|---|\n");
    for (Setting<?> s : Settings.all()) {
      s.flag()
          .ifPresent(
              f -> sb.append("| `").append(f).append("` | `").append(s.key()).append("` |\n"));
    }
    sb.append("| `--incremental` | `output.mode: incremental` (same as `--mode incremental`) |\n");
    return sb.toString();
  }

  private static List<String> readme() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.exists(dir.resolve("README.md")) || !Files.exists(dir.resolve("spark-job"))) {
      dir = dir.getParent();
    }
    return Files.readAllLines(dir.resolve("README.md"));
  }

  /** The table that starts with {@code header}, up to the first line that is not a row. */
  private static String table(List<String> lines, String header) {
    int start = lines.indexOf(header);
    assertTrue(start >= 0, "README has a table headed " + header);
    StringBuilder sb = new StringBuilder();
    for (int i = start; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      sb.append(lines.get(i)).append('\n');
    }
    return sb.toString();
  }

  /** Key to default cell of each row of the config reference. */
  private static Map<String, String> rows(String table) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String row : table.split("\n")) {
      String[] cells = row.split(" \\| ");
      if (cells.length >= 3 && cells[0].startsWith("| `")) {
        out.put(cells[0].substring(3, cells[0].length() - 1), cells[1]);
      }
    }
    return out;
  }

  @Test
  void everyDeclaredKeyIsInTheConfigReferenceWithItsDefault() throws IOException {
    Map<String, String> readme = rows(table(readme(), CONFIG_HEADER));
    List<String> problems = new ArrayList<>();
    for (Setting<?> s : Settings.all()) {
      if (!readme.containsKey(s.key())) {
        problems.add(s.key() + " is missing");
      } else if (!readme.get(s.key()).equals(s.defaultDoc())) {
        problems.add(s.key() + " shows " + readme.get(s.key()) + ", not " + s.defaultDoc());
      }
    }
    for (String key : readme.keySet()) {
      if (Settings.named(key).isEmpty()) {
        problems.add(key + " is not a declared setting");
      }
    }
    assertEquals(List.of(), problems, "README's config reference should be:\n" + configTable());
  }

  @Test
  void theConfigReferenceIsTheSettingsTable() throws IOException {
    assertEquals(configTable(), table(readme(), CONFIG_HEADER));
  }

  @Test
  void theOverrideFlagsAreTheDeclaredOnes() throws IOException {
    assertEquals(flagsTable(), table(readme(), FLAGS_HEADER));
  }
}

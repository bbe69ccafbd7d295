package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.change.ShardChange.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code shardscore plan}'s table takes its column widths from its content: short names print as
 * they always did, a long shard name widens its column instead of pushing its row out of line.
 */
class PlanTextTest {
  private static ShardChange change(String name, String covers, Status status, long rows) {
    return new ShardChange(0, name, covers, status, "covers " + covers, rows, -1, "fp");
  }

  private static List<String> table(List<ShardChange> changes) {
    List<String> lines =
        PlanCommand.toText(new ChangePlan(changes, false, 1024, 1, 1)).lines().toList();
    return lines.subList(0, lines.indexOf(""));
  }

  @Test
  void shortNamesKeepTheTable() {
    assertEquals(
        List.of(
            "shard          covers                     action             rows    committed  why",
            "customers-00   0-124999                   new             124,988            -  covers"
                + " 0-124999"),
        table(List.of(change("customers-00", "0-124999", Status.NEW, 124_988))));
  }

  @Test
  void aLongShardNameKeepsTheColumnsAligned() {
    String thirty = "north-region-customers-part-00";
    List<ShardChange> changes =
        List.of(
            change(thirty, "0-124999", Status.NEW, 124_988),
            change("customers-01", "125000-249999", Status.CHANGED, 7));
    List<String> lines = table(changes);
    String header = lines.get(0);
    int covers = header.indexOf("covers");
    int rowsEnd = header.indexOf("rows") + "rows".length();
    int why = header.indexOf("why");
    assertEquals(thirty.length() + 1, covers, String.join("\n", lines));
    for (int i = 0; i < changes.size(); i++) {
      ShardChange c = changes.get(i);
      String line = lines.get(i + 1);
      assertEquals(c.covers(), line.substring(covers, covers + c.covers().length()), line);
      String rows = String.format(java.util.Locale.ROOT, "%,d", c.rows());
      assertEquals(rows, line.substring(rowsEnd - rows.length(), rowsEnd), line);
      assertEquals(c.reason(), line.substring(why), line);
    }
  }
}

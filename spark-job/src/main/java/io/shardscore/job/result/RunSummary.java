package io.shardscore.job.result;

import io.shardscore.job.result.TextTable.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/** The human-readable summary printed after a run. */
public final class RunSummary {
  /**
   * The shard table. The widths are minimums, those of README's sample output; a longer name,
   * coverage or count widens its column.
   */
  private static final List<Column> SHARD_COLUMNS =
      List.of(
          Column.left("shard", 14),
          Column.left("covers", 24),
          Column.right("status", 9),
          Column.right("rows", 12),
          Column.right("errors", 10),
          Column.right("tasks", 6));

  private RunSummary() {}

  public static String format(ScoreResult r) {
    List<List<String>> rows = new ArrayList<>();
    for (ShardStatus s : r.shards()) {
      rows.add(
          List.of(
              String.valueOf(s.name()),
              String.valueOf(s.covers()),
              String.valueOf(s.status()),
              String.format(Locale.ROOT, "%,d", s.rows()),
              String.format(Locale.ROOT, "%,d", s.errorRows()),
              String.valueOf(s.partitions())));
    }
    StringBuilder sb = new StringBuilder(TextTable.render(SHARD_COLUMNS, rows));
    sb.append(
        String.format(
            Locale.ROOT,
            "%nshards: %d   rows in: %,d   scored: %,d   in errors: %,d%n",
            r.shards().size(),
            r.rowsIn(),
            r.rowsScored(),
            r.rowsRejected()));
    sb.append(
        String.format(
            Locale.ROOT,
            "time: %.1f s   throughput: %,.0f rows/s   model time (sum over tasks): %.1f s   tasks: %d%n",
            r.elapsedMillis() / 1000.0,
            r.rowsPerSecond(),
            r.modelMillis() / 1000.0,
            r.tasks()));
    String phases = phaseLine(r);
    if (!phases.isEmpty()) {
      sb.append("time by phase: ").append(phases).append(System.lineSeparator());
    }
    sb.append(
        String.format(Locale.ROOT, "model loads per executor JVM: %s%n", r.modelLoadsByExecutor()));
    if (!r.devicesByExecutor().isEmpty()) {
      sb.append(
          String.format(
              Locale.ROOT, "devices per executor (assigned -> used): %s%n", r.devicesByExecutor()));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "committed: %s (manifest version %d, run %s)%n",
            r.output(),
            r.manifestVersion(),
            r.runId()));
    return sb.toString();
  }

  /** {@code setup 1.2 s · census 3.4 s · …}: the phases that took any time, in order. */
  private static String phaseLine(ScoreResult r) {
    StringJoiner line = new StringJoiner(" · ");
    r.phaseMillis()
        .forEach(
            (name, millis) -> {
              if (millis > 0) {
                line.add(String.format(Locale.ROOT, "%s %.1f s", name, millis / 1000.0));
              }
            });
    return line.toString();
  }
}

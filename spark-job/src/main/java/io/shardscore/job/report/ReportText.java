package io.shardscore.job.report;

import io.shardscore.job.result.ShardStatus;
import io.shardscore.job.result.TextTable;
import java.util.ArrayList;
import java.util.List;

/** A run report as the {@code report} command prints it: totals, the shards, errors by reason. */
public final class ReportText {
  private ReportText() {}

  public static String format(RunReport r) {
    String nl = System.lineSeparator();
    StringBuilder sb = new StringBuilder();
    sb.append("run ")
        .append(r.runId())
        .append("   version v")
        .append(r.manifestVersion())
        .append(r.committedAt() == null ? "" : "   committed " + ReportPage.when(r.committedAt()))
        .append(nl)
        .append("output ")
        .append(r.output())
        .append(nl)
        .append("rows in ")
        .append(ReportPage.number(r.rowsIn()))
        .append("   scored ")
        .append(ReportPage.number(r.rowsScored()))
        .append("   errors ")
        .append(ReportPage.number(r.rowsRejected()))
        .append("   time ")
        .append(ReportPage.duration(r.elapsedMillis()))
        .append("   rows/s ")
        .append(ReportPage.number(Math.round(r.rowsPerSecond())))
        .append("   model time ")
        .append(ReportPage.duration(r.modelMillis()))
        .append("   tasks ")
        .append(r.tasks())
        .append(nl);
    if (!r.phases().isEmpty()) {
      List<String> parts = new ArrayList<>();
      r.phases().forEach(p -> parts.add(p.name() + " " + ReportPage.duration(p.millis())));
      sb.append("phases ").append(String.join(", ", parts)).append(nl);
    }
    sb.append(nl);
    List<List<String>> rows = new ArrayList<>();
    for (ShardStatus s : r.shards()) {
      rows.add(
          List.of(
              s.name(),
              s.status(),
              ReportPage.number(s.rows()),
              ReportPage.number(s.errorRows()),
              String.valueOf(s.partitions()),
              String.valueOf(s.files())));
    }
    sb.append(
        TextTable.render(
            List.of(
                TextTable.Column.left("shard", 5),
                TextTable.Column.left("status", 6).afterGap(3),
                TextTable.Column.right("rows", 4).afterGap(3),
                TextTable.Column.right("errors", 6).afterGap(3),
                TextTable.Column.right("partitions", 10).afterGap(3),
                TextTable.Column.right("files", 5).afterGap(3)),
            rows));
    if (!r.errorReasons().isEmpty()) {
      sb.append(nl).append("errors by reason:").append(nl);
      for (ErrorReason e : r.errorReasons()) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        e.sampleKeys().forEach(k -> keys.add(k == null ? "null" : k));
        sb.append(String.format(java.util.Locale.ROOT, "  %,8d  ", e.rows()))
            .append(e.reason())
            .append(keys.isEmpty() ? "" : "   (keys " + String.join(", ", keys) + ")")
            .append(nl);
      }
    }
    return sb.toString();
  }
}

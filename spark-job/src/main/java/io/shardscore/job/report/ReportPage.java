package io.shardscore.job.report;

import io.shardscore.job.change.ShardChange;
import io.shardscore.job.result.ShardStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A run report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.
 * Sections whose data is empty (no phases observed, no errors, no previous report) are left out.
 * Every text that comes from data or config is escaped ({@link #escape}). Each bar of the rows
 * chart is a {@code rect} carrying {@code data-shard} and {@code data-rows}, its height
 * proportional to the shard's rows.
 */
public final class ReportPage {
  /** Height in SVG units of the tallest bar of the rows chart. */
  static final double CHART_HEIGHT = 220;

  private static final double CHART_WIDTH = 1080;
  private static final String[] PHASE_COLORS = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"
  };

  private final RunReport r;
  private final RunReport previous;
  private final StringBuilder out = new StringBuilder(16_384);

  private ReportPage(RunReport report, RunReport previous) {
    this.r = report;
    this.previous = previous;
  }

  /** The page of {@code report}, compared with {@code previous} (null when there is none). */
  public static String render(RunReport report, RunReport previous) {
    return new ReportPage(report, previous).page();
  }

  private String page() {
    out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>shardscore run ")
        .append(escape(r.runId()))
        .append("</title><style>")
        .append(CSS)
        .append("</style></head><body><main>\n");
    header();
    summary();
    shardChart();
    phases();
    shardTable();
    notScored();
    errors();
    comparison();
    executors();
    io();
    config();
    out.append("<footer>Written by shardscore after commit ")
        .append(r.manifestVersion())
        .append(". Counts come from the committed manifest and task results.</footer>\n")
        .append("</main></body></html>\n");
    return out.toString();
  }

  private void header() {
    out.append("<header><div class=\"kicker\">shardscore run report</div><h1>")
        .append(escape(r.runId()))
        .append("</h1><div class=\"meta\">")
        .append(meta("output", r.output()))
        .append(meta("version", "v" + r.manifestVersion()))
        .append(r.committedAt() == null ? "" : meta("committed", when(r.committedAt())))
        .append(meta("model", shortDigest(r.modelDigest())))
        .append("</div></header>\n");
  }

  private static String meta(String label, String value) {
    return "<span><b>" + escape(label) + "</b> " + escape(value) + "</span>";
  }

  private void summary() {
    long scoredShards = r.shards().stream().filter(s -> scoredNow(s.status())).count();
    out.append("<section class=\"cards\" id=\"summary\">");
    card("rows in", number(r.rowsIn()), null);
    card("rows scored", number(r.rowsScored()), null);
    card(
        "errors",
        number(r.rowsRejected()),
        r.rowsIn() == 0 ? null : percent((double) r.rowsRejected() / r.rowsIn()) + " of rows in",
        r.rowsRejected() > 0 ? "bad" : null);
    card("time", duration(r.elapsedMillis()), "start to commit");
    card("rows/s", number(Math.round(r.rowsPerSecond())), "rows this run processed");
    card(
        "model time",
        duration(r.modelMillis()),
        r.elapsedMillis() == 0 ? null : "summed over tasks");
    card("tasks", number(r.tasks()), null);
    card("shards", scoredShards + " / " + r.shards().size(), "scored by this run");
    out.append("</section>\n");
  }

  private void card(String label, String value, String note) {
    card(label, value, note, null);
  }

  private void card(String label, String value, String note, String tone) {
    out.append("<div class=\"card")
        .append(tone == null ? "" : " " + tone)
        .append("\" data-card=\"")
        .append(escape(label))
        .append("\"><div class=\"label\">")
        .append(escape(label))
        .append("</div><div class=\"value\">")
        .append(escape(value))
        .append("</div>");
    if (note != null) {
      out.append("<div class=\"note\">").append(escape(note)).append("</div>");
    }
    out.append("</div>");
  }

  private void shardChart() {
    List<ShardStatus> shards = r.shards();
    if (shards.isEmpty()) {
      return;
    }
    long max = shards.stream().mapToLong(ShardStatus::rows).max().orElse(0);
    int n = shards.size();
    boolean labels = n <= 32;
    int longest = shards.stream().mapToInt(s -> s.name().length()).max().orElse(0);
    // Labels stand upright under their bars when they fit, else slanted (with room on the left).
    boolean upright = longest * 6.6 + 6 < (CHART_WIDTH - 8) / n;
    double top = 22;
    double bottom = !labels ? 12 : upright ? 30 : Math.min(120, 18 + longest * 5.6);
    double left = labels && !upright ? Math.min(90, longest * 5.6) : 8;
    double slot = (CHART_WIDTH - left) / n;
    double width = Math.max(1, slot * 0.72);
    double height = top + CHART_HEIGHT + bottom;
    out.append("<section><h2>Rows per shard</h2>")
        .append("<svg class=\"chart\" id=\"rows-chart\" viewBox=\"0 0 ")
        .append(fmt(CHART_WIDTH))
        .append(' ')
        .append(fmt(height))
        .append("\" role=\"img\" aria-label=\"rows per shard\">")
        .append("<line class=\"axis\" x1=\"0\" x2=\"")
        .append(fmt(CHART_WIDTH))
        .append("\" y1=\"")
        .append(fmt(top + CHART_HEIGHT))
        .append("\" y2=\"")
        .append(fmt(top + CHART_HEIGHT))
        .append("\"/>");
    for (int i = 0; i < n; i++) {
      ShardStatus s = shards.get(i);
      double h = max == 0 ? 0 : CHART_HEIGHT * s.rows() / max;
      double x = left + i * slot + (slot - width) / 2;
      double y = top + CHART_HEIGHT - h;
      out.append("<rect class=\"bar st-")
          .append(cssName(s.status()))
          .append("\" data-shard=\"")
          .append(escape(s.name()))
          .append("\" data-rows=\"")
          .append(s.rows())
          .append("\" data-status=\"")
          .append(escape(s.status()))
          .append("\" x=\"")
          .append(fmt(x))
          .append("\" y=\"")
          .append(fmt(y))
          .append("\" width=\"")
          .append(fmt(width))
          .append("\" height=\"")
          .append(fmt(h))
          .append("\"><title>")
          .append(escape(s.name() + ": " + number(s.rows()) + " rows, " + s.status()))
          .append("</title></rect>");
      if (labels) {
        double cx = x + width / 2;
        out.append("<text class=\"val\" x=\"")
            .append(fmt(cx))
            .append("\" y=\"")
            .append(fmt(y - 5))
            .append("\">")
            .append(escape(compact(s.rows())))
            .append("</text><text class=\"lbl")
            .append(upright ? " up" : "")
            .append("\" transform=\"translate(")
            .append(fmt(cx))
            .append(' ')
            .append(fmt(top + CHART_HEIGHT + (upright ? 17 : 12)))
            .append(upright ? ")\">" : ") rotate(-30)\">")
            .append(escape(s.name()))
            .append("</text>");
      }
    }
    out.append("</svg><div class=\"legend\">");
    new TreeSet<>(shards.stream().map(ShardStatus::status).toList())
        .forEach(
            st ->
                out.append("<span><i class=\"st-")
                    .append(cssName(st))
                    .append("\"></i>")
                    .append(escape(st))
                    .append("</span>"));
    out.append("</div></section>\n");
  }

  private void phases() {
    List<Phase> phases = r.phases();
    long total = phases.stream().mapToLong(Phase::millis).sum();
    if (phases.isEmpty() || total <= 0) {
      return;
    }
    out.append("<section><h2>Where the time went</h2>")
        .append("<svg class=\"phases\" id=\"phases-chart\" viewBox=\"0 0 ")
        .append(fmt(CHART_WIDTH))
        .append(" 30\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"phases\">");
    double x = 0;
    for (int i = 0; i < phases.size(); i++) {
      Phase p = phases.get(i);
      double w = CHART_WIDTH * p.millis() / total;
      out.append("<rect data-phase=\"")
          .append(escape(p.name()))
          .append("\" data-millis=\"")
          .append(p.millis())
          .append("\" x=\"")
          .append(fmt(x))
          .append("\" y=\"0\" width=\"")
          .append(fmt(w))
          .append("\" height=\"30\" fill=\"")
          .append(PHASE_COLORS[i % PHASE_COLORS.length])
          .append("\"><title>")
          .append(escape(p.name() + ": " + duration(p.millis())))
          .append("</title></rect>");
      x += w;
    }
    out.append("</svg><div class=\"legend\">");
    for (int i = 0; i < phases.size(); i++) {
      Phase p = phases.get(i);
      out.append("<span><i style=\"background:")
          .append(PHASE_COLORS[i % PHASE_COLORS.length])
          .append("\"></i>")
          .append(escape(p.name()))
          .append(" <b>")
          .append(escape(duration(p.millis())))
          .append("</b> ")
          .append(escape(percent((double) p.millis() / total)))
          .append("</span>");
    }
    out.append("</div></section>\n");
  }

  private void shardTable() {
    if (r.shards().isEmpty()) {
      return;
    }
    Map<String, ShardChange> changes = changesByName();
    Map<String, ShardStatus> before = previousByName();
    out.append("<section><h2>Shards</h2><table id=\"shards\"><thead><tr>")
        .append("<th>shard</th><th>covers</th><th>status</th><th>decision</th>")
        .append("<th class=\"n\">rows</th><th class=\"n\">errors</th>")
        .append("<th class=\"n\">partitions</th><th class=\"n\">files</th>");
    if (previous != null) {
      out.append("<th class=\"n\">rows before</th>");
    }
    out.append("</tr></thead><tbody>");
    for (ShardStatus s : r.shards()) {
      ShardChange c = changes.get(s.name());
      out.append("<tr data-shard=\"")
          .append(escape(s.name()))
          .append("\"><td class=\"name\">")
          .append(escape(s.name()))
          .append("</td><td class=\"mono\">")
          .append(escape(s.covers()))
          .append("</td><td><span class=\"pill st-")
          .append(cssName(s.status()))
          .append("\">")
          .append(escape(s.status()))
          .append("</span></td><td>")
          .append(c == null ? "" : decision(c))
          .append("</td>")
          .append(numCell(s.rows()))
          .append(s.errorRows() > 0 ? numCell(s.errorRows(), "bad") : numCell(s.errorRows()))
          .append(numCell(s.partitions()))
          .append(numCell(s.files()));
      if (previous != null) {
        ShardStatus b = before.get(s.name());
        out.append(b == null ? "<td class=\"n dim\">new</td>" : numCell(b.rows()));
      }
      out.append("</tr>");
    }
    out.append("</tbody></table></section>\n");
  }

  private static String decision(ShardChange c) {
    String reason = c.reason() == null || c.reason().isBlank() ? "" : " — " + c.reason();
    return "<span class=\"dim\">" + escape(c.status().label() + reason) + "</span>";
  }

  private void notScored() {
    List<ShardStatus> kept = r.shards().stream().filter(s -> !scoredNow(s.status())).toList();
    if (kept.isEmpty()) {
      return;
    }
    Map<String, ShardChange> changes = changesByName();
    Map<String, List<String>> byStatus = new LinkedHashMap<>();
    kept.forEach(s -> byStatus.computeIfAbsent(s.status(), k -> new ArrayList<>()).add(s.name()));
    out.append("<section id=\"not-scored\"><h2>Not scored by this run</h2><ul class=\"plain\">");
    byStatus.forEach(
        (status, names) -> {
          out.append("<li><span class=\"pill st-")
              .append(cssName(status))
              .append("\">")
              .append(escape(status))
              .append("</span> ")
              .append(names.size())
              .append(names.size() == 1 ? " shard: " : " shards: ")
              .append(escape(String.join(", ", names.subList(0, Math.min(names.size(), 40)))))
              .append(names.size() > 40 ? " …" : "");
          ShardChange c = changes.get(names.get(0));
          if (c != null && c.reason() != null && !c.reason().isBlank()) {
            out.append(" <span class=\"dim\">(").append(escape(c.reason())).append(")</span>");
          }
          out.append("</li>");
        });
    out.append("</ul></section>\n");
  }

  private void errors() {
    if (r.rowsRejected() == 0 && r.errorReasons().isEmpty()) {
      return;
    }
    out.append("<section id=\"errors\"><h2>Unscorable rows by reason</h2>");
    if (r.errorReasons().isEmpty()) {
      out.append("<p class=\"dim\">")
          .append(number(r.rowsRejected()))
          .append(" committed error rows; their reasons could not be read for this report.</p>");
    } else {
      out.append("<table><thead><tr><th class=\"n\">rows</th><th>reason</th>")
          .append("<th>keys (smallest, largest)</th></tr></thead><tbody>");
      for (ErrorReason e : r.errorReasons()) {
        Set<String> keys = new LinkedHashSet<>();
        e.sampleKeys().forEach(k -> keys.add(k == null ? "null" : k));
        out.append("<tr data-reason=\"")
            .append(escape(e.reason()))
            .append("\">")
            .append(numCell(e.rows(), "bad"))
            .append("<td>")
            .append(escape(e.reason()))
            .append("</td><td class=\"mono\">")
            .append(escape(String.join(", ", keys)))
            .append("</td></tr>");
      }
      out.append("</tbody></table>");
    }
    out.append("</section>\n");
  }

  private void comparison() {
    if (previous == null) {
      out.append("<section id=\"comparison\"><h2>Compared with the previous run</h2>")
          .append("<p class=\"dim\">No earlier report of this output.</p></section>\n");
      return;
    }
    out.append("<section id=\"comparison\"><h2>Compared with the previous run</h2>")
        .append("<p class=\"dim\">")
        .append(escape(previous.runId() + ", version v" + previous.manifestVersion()))
        .append("</p><table><thead><tr><th></th><th class=\"n\">before</th>")
        .append("<th class=\"n\">this run</th><th class=\"n\">change</th></tr></thead><tbody>");
    compareRow("rows in", previous.rowsIn(), r.rowsIn(), false);
    compareRow("rows scored", previous.rowsScored(), r.rowsScored(), false);
    compareRow("errors", previous.rowsRejected(), r.rowsRejected(), false);
    compareRow("time", previous.elapsedMillis(), r.elapsedMillis(), true);
    compareRow(
        "rows/s", Math.round(previous.rowsPerSecond()), Math.round(r.rowsPerSecond()), false);
    compareRow("tasks", previous.tasks(), r.tasks(), false);
    out.append("</tbody></table>");
    Map<String, ShardStatus> before = previousByName();
    Map<String, ShardStatus> now = new LinkedHashMap<>();
    r.shards().forEach(s -> now.put(s.name(), s));
    Set<String> names = new LinkedHashSet<>(now.keySet());
    names.addAll(before.keySet());
    List<String> lines = new ArrayList<>();
    int same = 0;
    for (String name : names) {
      ShardStatus a = before.get(name);
      ShardStatus b = now.get(name);
      if (a == null) {
        lines.add(name + ": new, " + number(b.rows()) + " rows");
      } else if (b == null) {
        lines.add(name + ": gone (had " + number(a.rows()) + " rows)");
      } else if (a.rows() != b.rows() || a.errorRows() != b.errorRows()) {
        lines.add(
            name
                + ": rows "
                + number(a.rows())
                + " → "
                + number(b.rows())
                + ", errors "
                + number(a.errorRows())
                + " → "
                + number(b.errorRows()));
      } else {
        same++;
      }
    }
    out.append("<ul class=\"plain\" id=\"shard-changes\">");
    lines.stream().limit(50).forEach(l -> out.append("<li>").append(escape(l)).append("</li>"));
    if (lines.size() > 50) {
      out.append("<li class=\"dim\">… and ").append(lines.size() - 50).append(" more</li>");
    }
    out.append("<li class=\"dim\">")
        .append(same)
        .append(same == 1 ? " shard" : " shards")
        .append(" with the same rows and errors as before</li></ul></section>\n");
  }

  private void compareRow(String label, long before, long now, boolean millis) {
    String delta;
    if (before == now) {
      delta = "=";
    } else if (before == 0) {
      delta = "new";
    } else {
      double change = (double) (now - before) / before;
      delta = (change > 0 ? "+" : "") + String.format(Locale.ROOT, "%.1f%%", change * 100);
    }
    out.append("<tr><td>")
        .append(escape(label))
        .append("</td><td class=\"n\">")
        .append(escape(millis ? duration(before) : number(before)))
        .append("</td><td class=\"n\">")
        .append(escape(millis ? duration(now) : number(now)))
        .append("</td><td class=\"n\">")
        .append(escape(delta))
        .append("</td></tr>");
  }

  private void executors() {
    Set<String> ids = new TreeSet<>(r.modelLoadsByExecutor().keySet());
    ids.addAll(r.devicesByExecutor().keySet());
    Map<String, ExecutorMemory> memory = new LinkedHashMap<>();
    r.executorMemory().forEach(m -> memory.put(m.executorId(), m));
    ids.addAll(memory.keySet());
    if (ids.isEmpty()) {
      return;
    }
    boolean mem = !memory.isEmpty();
    out.append("<section id=\"executors\"><h2>Executors</h2><table><thead><tr>")
        .append("<th>executor</th><th class=\"n\">model loads</th><th>devices</th>");
    if (mem) {
      out.append("<th class=\"n\">heap peak</th><th class=\"n\">process RSS peak</th>");
    }
    out.append("</tr></thead><tbody>");
    for (String id : ids) {
      Integer loads = r.modelLoadsByExecutor().get(id);
      out.append("<tr><td class=\"mono\">")
          .append(escape(id))
          .append("</td>")
          .append(loads == null ? "<td class=\"n dim\">–</td>" : numCell(loads))
          .append("<td>")
          .append(escape(String.join("; ", r.devicesByExecutor().getOrDefault(id, List.of()))))
          .append("</td>");
      if (mem) {
        ExecutorMemory m = memory.get(id);
        out.append("<td class=\"n\">")
            .append(m == null ? "–" : escape(bytes(m.jvmHeapPeakBytes())))
            .append("</td><td class=\"n\">")
            .append(
                m == null || m.processTreeRssPeakBytes() == 0
                    ? "–"
                    : escape(bytes(m.processTreeRssPeakBytes())))
            .append("</td>");
      }
      out.append("</tr>");
    }
    out.append("</tbody></table></section>\n");
  }

  private void io() {
    StageIo io = r.io();
    if (io.equals(StageIo.NONE)) {
      return;
    }
    out.append("<section class=\"cards\" id=\"io\">");
    card("input read", bytes(io.bytesRead()), null);
    card("shuffle written", bytes(io.shuffleBytesWritten()), null);
    card("shuffle read", bytes(io.shuffleBytesRead()), null);
    card("output written", bytes(io.bytesWritten()), null);
    out.append("</section>\n");
  }

  private void config() {
    if (r.config().isEmpty()) {
      return;
    }
    out.append("<section id=\"config\"><h2>Effective configuration</h2>")
        .append(
            "<p class=\"dim\">Defaults applied; secrets masked.</p><table class=\"kv\"><tbody>");
    r.config()
        .forEach(
            (k, v) ->
                out.append("<tr><td class=\"mono\">")
                    .append(escape(k))
                    .append("</td><td class=\"mono\">")
                    .append(escape(v))
                    .append("</td></tr>"));
    out.append("</tbody></table></section>\n");
  }

  private Map<String, ShardChange> changesByName() {
    Map<String, ShardChange> m = new LinkedHashMap<>();
    r.changes().forEach(c -> m.put(c.name(), c));
    return m;
  }

  private Map<String, ShardStatus> previousByName() {
    Map<String, ShardStatus> m = new LinkedHashMap<>();
    if (previous != null) {
      previous.shards().forEach(s -> m.put(s.name(), s));
    }
    return m;
  }

  /** True for the statuses of shards this run scored (or took over from an earlier attempt). */
  static boolean scoredNow(String status) {
    return switch (status) {
      case "scored", "rejected", "empty", "resumed" -> true;
      default -> false;
    };
  }

  private static String numCell(long v) {
    return "<td class=\"n\">" + number(v) + "</td>";
  }

  private static String numCell(long v, String tone) {
    return "<td class=\"n " + tone + "\">" + number(v) + "</td>";
  }

  /** {@code text} safe inside an HTML element or a quoted attribute. */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  private static String cssName(String status) {
    return status == null ? "other" : status.replaceAll("[^a-z]", "");
  }

  /** An ISO instant as {@code 2026-12-02 16:20:17 UTC}; other text as it is. */
  static String when(String instant) {
    try {
      return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(java.time.ZoneOffset.UTC)
          .format(java.time.Instant.parse(instant));
    } catch (java.time.DateTimeException e) {
      return instant;
    }
  }

  private static String shortDigest(String digest) {
    if (digest == null) {
      return "";
    }
    return digest.length() > 19 ? digest.substring(0, 19) + "…" : digest;
  }

  static String number(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  private static String compact(long v) {
    if (v >= 1_000_000) {
      return String.format(Locale.ROOT, "%.1fM", v / 1e6);
    }
    if (v >= 10_000) {
      return String.format(Locale.ROOT, "%.0fk", v / 1e3);
    }
    return number(v);
  }

  private static String percent(double f) {
    return String.format(Locale.ROOT, f < 0.001 && f > 0 ? "%.3f%%" : "%.1f%%", f * 100);
  }

  static String duration(long millis) {
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    long s = Math.round(millis / 1000.0);
    return s / 60 + " min " + String.format(Locale.ROOT, "%02d", s % 60) + " s";
  }

  static String bytes(long b) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = b;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? b + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static final String CSS =
      """
      :root{--ink:#1f2933;--dim:#6b7785;--line:#e4e8ee;--bg:#f6f8fb;--card:#fff;--bad:#c62828}
      *{box-sizing:border-box}
      body{margin:0;background:var(--bg);color:var(--ink);
        font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Helvetica,Arial,sans-serif}
      main{max-width:1140px;margin:0 auto;padding:28px 28px 40px}
      header{margin-bottom:18px}
      .kicker{text-transform:uppercase;letter-spacing:.08em;font-size:11px;color:var(--dim)}
      h1{font-size:26px;margin:2px 0 6px;word-break:break-all}
      h2{font-size:15px;margin:0 0 10px}
      .meta{display:flex;flex-wrap:wrap;gap:6px 18px;color:var(--dim);font-size:13px}
      .meta b{color:var(--ink);font-weight:600}
      section{background:var(--card);border:1px solid var(--line);border-radius:10px;
        padding:16px 18px;margin:0 0 14px}
      section.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(116px,1fr));gap:10px;
        background:none;border:0;padding:0}
      .card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px}
      .card .label{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--dim)}
      .card .value{font-size:19px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
      .card .note{font-size:11.5px;color:var(--dim)}
      .card.bad .value{color:var(--bad)}
      svg{display:block;width:100%;height:auto}
      svg.phases{height:30px;border-radius:6px}
      .axis{stroke:#c9d1db;stroke-width:1}
      .val{font-size:11px;fill:var(--dim);text-anchor:middle}
      .lbl{font-size:11px;fill:var(--ink);text-anchor:end}
      .lbl.up{text-anchor:middle}
      .legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin-top:8px;font-size:12.5px;color:var(--dim)}
      .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;
        vertical-align:-1px}
      .legend b{color:var(--ink)}
      table{border-collapse:collapse;width:100%;font-size:13px}
      th{text-align:left;font-weight:600;color:var(--dim);font-size:11.5px;text-transform:uppercase;
        letter-spacing:.04em;border-bottom:1px solid var(--line);padding:5px 8px}
      td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}
      tr:last-child td{border-bottom:0}
      .n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
      .mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
      .name{font-weight:600;white-space:nowrap}
      .dim{color:var(--dim)}
      td.bad{color:var(--bad);font-weight:600}
      .pill{display:inline-block;padding:0 8px;border-radius:9px;font-size:12px;color:#fff}
      ul.plain{margin:8px 0 0;padding-left:18px}
      table.kv td:first-child{width:32%;color:var(--dim)}
      footer{color:var(--dim);font-size:12px;margin-top:18px}
      .st-scored{fill:#3b7dd8;background:#3b7dd8}
      .st-resumed{fill:#2a9d8f;background:#2a9d8f}
      .st-rejected{fill:#c62828;background:#c62828}
      .st-empty{fill:#9aa5b1;background:#9aa5b1}
      .st-unchanged{fill:#a8c3e6;background:#7f9fc9}
      .st-kept{fill:#b7c7d9;background:#8fa3ba}
      .st-skipped{fill:#d5dbe3;background:#a3adb9}
      .st-deleted{fill:#f0a35e;background:#e08a3c}
      .st-other{fill:#888;background:#888}
      """;
}

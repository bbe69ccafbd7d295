package io.shardscore.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Medians, spreads and the ratio table of a benchmark run. */
final class Report {
  private Report() {}

  static List<Double> rates(List<Measurement> all, String system, String workload) {
    List<Double> r = new ArrayList<>();
    for (Measurement m : all) {
      if (m.system().equals(system) && m.workload().equals(workload)) {
        r.add(m.rowsPerSecond());
      }
    }
    Collections.sort(r);
    return r;
  }

  static double median(List<Measurement> all, String system, String workload) {
    List<Double> r = rates(all, system, workload);
    if (r.isEmpty()) {
      return Double.NaN;
    }
    int n = r.size();
    return n % 2 == 1 ? r.get(n / 2) : (r.get(n / 2 - 1) + r.get(n / 2)) / 2;
  }

  private static String rate(List<Measurement> all, String system, String workload) {
    List<Double> r = rates(all, system, workload);
    if (r.isEmpty()) {
      return "-";
    }
    return String.format(
        Locale.ROOT,
        "%,.0f (%,.0f–%,.0f, n=%d)",
        median(all, system, workload),
        r.get(0),
        r.get(r.size() - 1),
        r.size());
  }

  static String markdown(List<Measurement> all, String date, boolean quick) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "Benchmark run %s%s (2-core shared machine; rows/s, median (min–max))%n%n",
            date,
            quick ? " — QUICK MODE, sizes too small for conclusions" : ""));
    sb.append("| system | small model | heavy model |\n|---|---|---|\n");
    for (String s :
        List.of(
            "raw-engine",
            "inference-stage",
            "end-to-end",
            "end-to-end-queue",
            "io-limit",
            "naive-udf")) {
      sb.append("| ")
          .append(s)
          .append(" | ")
          .append(rate(all, s, "small"))
          .append(" | ")
          .append(rate(all, s, "heavy"))
          .append(" |\n");
    }
    sb.append("\n| ratio | measured | target |\n|---|---|---|\n");
    ratio(
        sb,
        "inference stage / raw engine (heavy)",
        median(all, "inference-stage", "heavy") / median(all, "raw-engine", "heavy"),
        "≥ 0.95");
    ratio(
        sb,
        "end-to-end / raw engine (heavy)",
        median(all, "end-to-end", "heavy") / median(all, "raw-engine", "heavy"),
        "≥ 0.90");
    ratio(
        sb,
        "end-to-end / I/O limit (small)",
        median(all, "end-to-end", "small") / median(all, "io-limit", "small"),
        "≥ 0.80");
    ratio(
        sb,
        "shardscore / naive UDF (small)",
        median(all, "end-to-end", "small") / median(all, "naive-udf", "small"),
        "≥ 10");
    ratio(
        sb,
        "shardscore / naive UDF (heavy)",
        median(all, "end-to-end", "heavy") / median(all, "naive-udf", "heavy"),
        "≥ 10");
    ratio(
        sb,
        "batching queue / per-task model calls, CPU (heavy)",
        median(all, "end-to-end-queue", "heavy") / median(all, "end-to-end", "heavy"),
        "decides the CPU default");
    ratio(
        sb,
        "batching queue / per-task model calls, CPU (small)",
        median(all, "end-to-end-queue", "small") / median(all, "end-to-end", "small"),
        "decides the CPU default");
    for (Measurement m : all) {
      if (m.system().equals("incremental-rerun")) {
        double full = ((Number) m.extra().get("fullSeconds")).doubleValue();
        sb.append(
            String.format(
                Locale.ROOT,
                "| incremental rerun / full run (1 of %s shards changed) | %.3f (%.1f s / %.1f s; files read %s of %s) | ≤ 0.05, full ≥ 60 s |%n",
                m.extra().get("inputFiles"),
                m.seconds() / full,
                m.seconds(),
                full,
                m.extra().get("filesRead"),
                m.extra().get("inputFiles")));
      }
      if (m.system().equals("model-loads")) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| model loads per executor (%s tasks, local-cluster of 2) | %s | 1 per executor |%n",
                m.extra().get("tasks"),
                m.extra().get("loadsByExecutor")));
      }
    }
    List<Measurement> mem = all.stream().filter(m -> m.system().equals("memory")).toList();
    for (Measurement m : mem) {
      Map<String, Object> e = m.extra();
      sb.append(
          String.format(
              Locale.ROOT,
              "| memory, %,d-row shard in one task, -Xmx1g, row groups %s MiB | peak heap %s MiB, peak live heap %s MiB (scoring stage %s MiB, shuffle map stage %s MiB), peak RSS %s MiB, %.0f rows/s | flat in shard size |%n",
              m.rows(),
              e.get("rowGroupMb"),
              mib(e.get("peakHeapUsed")),
              mib(e.get("peakHeapAfterGc")),
              stage(e, "ScoreJob"),
              stage(e, "CompletableFuture"),
              mib(e.get("peakRss")),
              m.rowsPerSecond()));
    }
    return sb.toString();
  }

  /** Peak live heap (MiB) of the stage whose call site mentions {@code site}. */
  private static String stage(Map<String, Object> extra, String site) {
    Object byStage = extra.get("peakLiveMiBByStage");
    if (byStage instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (String.valueOf(e.getKey()).contains(site)) {
          return String.valueOf(e.getValue());
        }
      }
    }
    return "?";
  }

  private static String mib(Object bytes) {
    return String.format(Locale.ROOT, "%,d", ((Number) bytes).longValue() / (1024 * 1024));
  }

  private static void ratio(StringBuilder sb, String name, double value, String target) {
    sb.append(String.format(Locale.ROOT, "| %s | %.2f | %s |%n", name, value, target));
  }
}

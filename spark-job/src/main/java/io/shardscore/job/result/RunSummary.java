package io.shardscore.job.result;

import java.util.Locale;

/** The human-readable summary printed after a run. */
public final class RunSummary {
  private RunSummary() {}

  public static String format(ScoreResult r) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%-14s %-26s %9s %12s %10s %6s%n",
            "shard",
            "covers",
            "status",
            "rows",
            "errors",
            "tasks"));
    for (ShardStatus s : r.shards()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-14s %-26s %9s %,12d %,10d %6d%n",
              s.name(),
              s.covers(),
              s.status(),
              s.rows(),
              s.errorRows(),
              s.partitions()));
    }
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
}

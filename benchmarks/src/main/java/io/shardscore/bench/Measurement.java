package io.shardscore.bench;

import java.util.Map;

/**
 * One timed run of one system on one workload.
 *
 * @param system what ran, e.g. {@code end-to-end}
 * @param workload {@code small} (I/O-bound MLP) or {@code heavy} (compute-bound MLP)
 * @param rep repetition number within the run (systems alternate A B A B)
 * @param extra system-specific figures (files read, model loads, heap, RSS)
 */
public record Measurement(
    String system, String workload, int rep, long rows, double seconds, Map<String, Object> extra) {

  public double rowsPerSecond() {
    return seconds <= 0 ? 0 : rows / seconds;
  }
}

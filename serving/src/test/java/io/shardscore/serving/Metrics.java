package io.shardscore.serving;

/** Reads one sample's value out of Prometheus text, for tests. */
final class Metrics {
  private Metrics() {}

  /** The value of the sample written exactly as {@code series} (name and labels); 0 if absent. */
  static double value(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
      }
    }
    return 0;
  }
}

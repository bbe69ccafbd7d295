package io.shardscore.job.config;

import java.util.Locale;

/** What a run does when its output already holds committed results. */
public enum OutputMode {
  /** Refuse to run if the output exists and is not empty (the default). */
  ERROR_IF_EXISTS,
  /** Write the new results, commit them, then remove the old ones. Never deletes first. */
  OVERWRITE,
  /**
   * Score only shards that are new or whose input, model or prediction settings changed; keep the
   * files of every other shard untouched; remove shards that no longer exist.
   */
  INCREMENTAL;

  public static OutputMode parse(String text) {
    for (OutputMode m : values()) {
      if (m.configName().equals(text.trim().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new JobConfigException(
        "output.mode is '" + text + "'; use error-if-exists (default), overwrite or incremental.");
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}

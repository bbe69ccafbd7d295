package io.shardscore.job.config;

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

  /** Parses {@code output.mode} (see {@link Choices}). */
  public static OutputMode parse(String text) {
    return Choices.parse(Settings.OUTPUT_MODE, text, OutputMode.class);
  }

  public String configName() {
    return Choices.configName(this);
  }
}

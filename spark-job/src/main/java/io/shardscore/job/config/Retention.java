package io.shardscore.job.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long files that a commit superseded stay on disk, so that manifest-aware readers still
 * reading an older version can finish. Each manifest records the files it superseded and until when
 * they are kept ({@code Manifest.retainUntilMillis()}); the first commit after that removes them.
 * Plain Parquet readers see them until then.
 */
public final class Retention {
  /** How to write a retention, as every message about one says it. */
  static final String FIX = "use a duration such as 0 (delete at once), 90s, 30m, 12h or 7d";

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(s|m|h|d)?");

  private Retention() {}

  /**
   * Parses {@code 0}, {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d} as {@code
   * output.retention}.
   */
  public static Duration parse(String text) {
    return parse(text, "output.retention");
  }

  /**
   * Parses {@code 0}, {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}; {@code key} names the
   * setting or flag in the message when the text is none of them.
   */
  public static Duration parse(String text, String key) {
    return parse(text, key, FIX);
  }

  /** As {@link #parse(String, String)}, with {@code fix} saying how to write a good value. */
  static Duration parse(String text, String key, String fix) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new JobConfigException(key + " is '" + text + "'; " + fix + ".");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofSeconds(n);
    };
  }
}

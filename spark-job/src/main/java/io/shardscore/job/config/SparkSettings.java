package io.shardscore.job.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkThrowable;
import org.apache.spark.internal.config.ConfigEntry;

/**
 * Checks Spark settings (the job's {@code spark:} section, {@code --conf}) with Spark's own typed
 * config entries before a session starts: a memory size, number, boolean, duration or choice that
 * Spark cannot read is an error naming the key, the value and a value Spark reads. Keys Spark does
 * not declare (plugin settings), {@code spark.hadoop.*} and {@code fs.*} keys, and values with
 * {@code ${...}} references (Spark substitutes them itself) pass through unchecked.
 */
public final class SparkSettings {
  /**
   * The Scala objects that declare Spark's config entries; an entry is known to {@link
   * ConfigEntry#findEntry} once its object is loaded. A name this Spark lacks is skipped.
   */
  private static final List<String> DECLARING_OBJECTS =
      List.of(
          "org.apache.spark.internal.config.package$",
          "org.apache.spark.internal.config.Deploy$",
          "org.apache.spark.internal.config.History$",
          "org.apache.spark.internal.config.Kryo$",
          "org.apache.spark.internal.config.Network$",
          "org.apache.spark.internal.config.Python$",
          "org.apache.spark.internal.config.R$",
          "org.apache.spark.internal.config.Status$",
          "org.apache.spark.internal.config.Streaming$",
          "org.apache.spark.internal.config.UI$",
          "org.apache.spark.internal.config.Worker$",
          "org.apache.spark.sql.internal.SQLConf$",
          "org.apache.spark.sql.internal.StaticSQLConf$");

  /** Values tried, after the entry's default, to show one that Spark reads for the key. */
  private static final List<String> EXAMPLES = List.of("4g", "120s", "true", "200", "0.5");

  private SparkSettings() {}

  /**
   * One message per setting whose value Spark cannot read; {@code where} says where the settings
   * come from, e.g. {@code "in the spark: section"} or {@code "in --conf"}.
   */
  public static List<String> problems(Map<String, String> settings, String where) {
    List<String> problems = new ArrayList<>();
    settings.forEach(
        (key, value) -> {
          ConfigEntry<?> entry = checked(key, value) ? Entries.find(key) : null;
          if (entry != null) {
            String reason = unreadable(entry, value);
            if (reason != null) {
              problems.add(
                  key
                      + " is '"
                      + value
                      + "' "
                      + where
                      + ", which Spark cannot read: "
                      + reason
                      + example(entry, value));
            }
          }
        });
    return problems;
  }

  /** Throws a {@link JobConfigException} listing {@link #problems} when there are any. */
  public static void check(Map<String, String> settings, String where) {
    List<String> problems = problems(settings, where);
    if (!problems.isEmpty()) {
      throw new JobConfigException(problems);
    }
  }

  private static boolean checked(String key, String value) {
    return value != null
        && !value.contains("${")
        && !key.startsWith("spark.hadoop.")
        && !key.startsWith("fs.");
  }

  /** Why Spark cannot read {@code value} for {@code entry}, as Spark says it; null if it can. */
  private static String unreadable(ConfigEntry<?> entry, String value) {
    try {
      entry.valueConverter().apply(value);
      return null;
    } catch (RuntimeException e) {
      return reason(e);
    }
  }

  /**
   * Spark's message without what the error already says: its error class, its SQL state and the
   * sentence that repeats the key and the value.
   */
  private static String reason(RuntimeException e) {
    String text = String.valueOf(e.getMessage()).strip();
    if (e instanceof SparkThrowable) {
      text =
          text.replaceFirst("^\\[[A-Z_.]+\\]\\s*", "")
              .replaceFirst("\\s*SQLSTATE: \\w+$", "")
              .replaceFirst("^The value '.*' in the config \".*\" is invalid\\.\\s*", "")
              .replaceFirst("a/an '([^']+)' value", "a value of type $1");
    }
    if (text.length() > 1 && Character.isLowerCase(text.charAt(1))) {
      text = text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
    }
    return text.endsWith(".") ? text : text + ".";
  }

  /** A value Spark reads for {@code entry}: its default if it has one, else a common form. */
  private static String example(ConfigEntry<?> entry, String bad) {
    List<String> candidates = new ArrayList<>();
    candidates.add(entry.defaultValueString());
    candidates.addAll(EXAMPLES);
    for (String candidate : candidates) {
      if (candidate != null
          && !candidate.isBlank()
          && !candidate.startsWith("<")
          && !candidate.contains("${")
          && !candidate.equals(bad)
          && unreadable(entry, candidate) == null) {
        return " Use a value such as " + candidate + ".";
      }
    }
    return " See Spark's configuration reference for " + entry.key() + ".";
  }

  /** Spark's declared entries, loaded on first use (loading them takes a few seconds). */
  private static final class Entries {
    static {
      ClassLoader loader = SparkSettings.class.getClassLoader();
      for (String name : DECLARING_OBJECTS) {
        try {
          Class.forName(name, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
          // This Spark declares no such object; its keys pass unchecked.
        }
      }
    }

    static ConfigEntry<?> find(String key) {
      return ConfigEntry.findEntry(key);
    }
  }
}

package io.shardscore.job.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The one parse convention for settings whose value names an enum constant (output mode, device
 * policy, batching, stray-key policies): the config name is the constant's name in lower-case
 * kebab-case ({@code ERROR_IF_EXISTS} is {@code error-if-exists}), matched ignoring case and
 * surrounding blanks. A value that names none of them is an error of the form {@code <key> is
 * '<value>'; use one of: a, b, c.} unless the setting words its own fix.
 */
public final class Choices {
  private Choices() {}

  /** Parses {@code text} as {@code setting}'s value, with the setting's message when it fails. */
  public static <E extends Enum<E>> E parse(Setting<String> setting, String text, Class<E> type) {
    return parse(setting.key(), text, type, setting.fix());
  }

  /**
   * Parses {@code text} as a constant of {@code type}; {@code key} names the setting, {@code fix}
   * says what to use instead ({@link #oneOf(Class)} by default).
   */
  public static <E extends Enum<E>> E parse(String key, String text, Class<E> type, String fix) {
    String wanted = normalize(text);
    for (E value : type.getEnumConstants()) {
      if (configName(value).equals(wanted)) {
        return value;
      }
    }
    throw new JobConfigException(Setting.problem(key, text, fix));
  }

  /** The constant as a job file writes it: {@code ERROR_IF_EXISTS} is {@code error-if-exists}. */
  public static String configName(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The default fix: {@code use one of: shard, errors, fail}. */
  public static String oneOf(Class<? extends Enum<?>> type) {
    return "use one of: " + String.join(", ", names(type));
  }

  static List<String> names(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(Choices::configName).toList();
  }

  static String normalize(String text) {
    return text == null ? null : text.trim().toLowerCase(Locale.ROOT);
  }
}

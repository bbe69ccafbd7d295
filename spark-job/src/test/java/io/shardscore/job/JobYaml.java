package io.shardscore.job;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A job file for tests, one dotted key at a time: {@code JobYaml.demo(input, model, output)} is the
 * demo job, {@link #set} and {@link #remove} change one key, e.g. {@code .set("scoring.batch-size",
 * 10)}. Sections and keys are written in the order they were first set; a value is written as it is
 * (quote it with {@link #quoted} where YAML needs it), a {@link List} as a block list. Mutable,
 * like the text it replaces.
 */
public final class JobYaml {
  private final Map<String, Map<String, Object>> sections = new LinkedHashMap<>();

  /**
   * The demo job: {@code input.path}, {@code output.path}, {@code sharding.key: customer_id}
   * (without ranges: set them), {@code model.path} and the demo features as a block list.
   */
  public static JobYaml demo(Object input, Object model, Object output) {
    return new JobYaml()
        .set("input.path", input)
        .set("output.path", output)
        .set("sharding.key", "customer_id")
        .set("model.path", model)
        .set("model.features", DemoData.FEATURES);
  }

  /** Sets {@code section.key}: in place if it is set, else last in its section (or a new one). */
  public JobYaml set(String dottedKey, Object value) {
    int dot = dottedKey.indexOf('.');
    if (dot < 1 || value == null) {
      throw new IllegalArgumentException("set(\"section.key\", value), not " + dottedKey);
    }
    sections
        .computeIfAbsent(dottedKey.substring(0, dot), s -> new LinkedHashMap<>())
        .put(dottedKey.substring(dot + 1), value);
    return this;
  }

  /** Removes {@code section.key}, and its section once empty; the key must be set. */
  public JobYaml remove(String dottedKey) {
    int dot = dottedKey.indexOf('.');
    Map<String, Object> section = dot < 1 ? null : sections.get(dottedKey.substring(0, dot));
    if (section == null || section.remove(dottedKey.substring(dot + 1)) == null) {
      throw new IllegalArgumentException(dottedKey + " is not set in " + sections);
    }
    if (section.isEmpty()) {
      sections.remove(dottedKey.substring(0, dot));
    }
    return this;
  }

  /** {@code 'text'}, a YAML single-quoted scalar. */
  public static String quoted(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  /** {@code ['a', 'b']}, a YAML flow list of single-quoted items. */
  public static String flow(List<String> items) {
    return items.stream().map(JobYaml::quoted).collect(Collectors.joining(", ", "[", "]"));
  }

  /** The job file's text. */
  public String text() {
    StringBuilder yaml = new StringBuilder();
    sections.forEach(
        (section, keys) -> {
          yaml.append(section).append(":\n");
          keys.forEach(
              (key, value) -> {
                yaml.append("  ").append(key).append(':');
                if (value instanceof List<?> items) {
                  yaml.append('\n');
                  items.forEach(item -> yaml.append("    - ").append(item).append('\n'));
                } else {
                  yaml.append(' ').append(value).append('\n');
                }
              });
        });
    return yaml.toString();
  }

  /** Writes the text to {@code file}; returns {@code file}. */
  public Path write(Path file) {
    try {
      return Files.writeString(file, text());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The job as {@link JobConfigReader} reads the text ({@code source} names it in errors). */
  public JobConfig parse(String source) {
    return JobConfigReader.parse(text(), source);
  }

  @Override
  public String toString() {
    return text();
  }
}

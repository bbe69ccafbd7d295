package io.shardscore.job.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the keys a YAML job file sets twice in one mapping ({@code batch-size} twice under {@code
 * scoring:}, a second {@code input:} section). A YAML reader keeps the last one silently; each is
 * reported with its dotted key and the lines of both, so the user sees which value was meant to
 * win.
 */
final class DuplicateKeys {
  private static final YAMLFactory FACTORY = new YAMLFactory();

  private DuplicateKeys() {}

  /** Where a key was first set in the mapping that holds it. */
  private record FirstSeen(JsonLocation at, boolean section) {}

  /** One open mapping or list, with the path that leads to it. */
  private static final class Level {
    final String path;
    final boolean list;
    final Map<String, FirstSeen> keys = new HashMap<>();
    int index = -1;
    String key;
    JsonLocation keyAt;

    Level(String path, boolean list) {
      this.path = path;
      this.list = list;
    }

    /** The path of the value about to be read at this level. */
    String child() {
      if (list) {
        return path + "[" + index + "]";
      }
      return path.isEmpty() ? key : path + "." + key;
    }
  }

  /**
   * One message per duplicate key in {@code yaml}, in file order; {@code source} names the file.
   * Throws the parser's exception when the text is not YAML.
   */
  static List<String> in(String yaml, String source) throws JsonProcessingException {
    List<String> problems = new ArrayList<>();
    Deque<Level> open = new ArrayDeque<>();
    try (JsonParser parser = FACTORY.createParser(yaml)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          open.pop();
          continue;
        }
        Level parent = open.peek();
        if (token == JsonToken.FIELD_NAME) {
          parent.key = parser.currentName();
          parent.keyAt = parser.currentTokenLocation();
          continue;
        }
        // A value: a scalar, or the start of a mapping or a list.
        boolean mapping = token == JsonToken.START_OBJECT;
        if (parent != null && parent.list) {
          parent.index++;
        } else if (parent != null) {
          FirstSeen first =
              parent.keys.putIfAbsent(parent.key, new FirstSeen(parent.keyAt, mapping));
          if (first != null) {
            problems.add(message(parent, first, mapping, source));
          }
        }
        if (mapping || token == JsonToken.START_ARRAY) {
          open.push(new Level(parent == null ? "" : parent.child(), !mapping));
        }
      }
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("Reading YAML from a string failed", e);
    }
    return problems;
  }

  private static String message(Level level, FirstSeen first, boolean section, String source) {
    // A key with dots of its own (spark.executor.memory under spark:) is named as it is written.
    String name =
        level.key.contains(".") && !level.path.isEmpty()
            ? "'" + level.key + "' under '" + level.path + ":'"
            : "'" + level.child() + "'";
    String fix =
        first.section() && section
            ? "Merge the two into one '" + level.child() + ":' section."
            : "Keep one of them.";
    return "Duplicate key "
        + name
        + " in "
        + source
        + ": "
        + where(first.at(), level.keyAt)
        + ". "
        + fix;
  }

  private static String where(JsonLocation first, JsonLocation second) {
    if (first.getLineNr() != second.getLineNr()) {
      return "line " + first.getLineNr() + " and line " + second.getLineNr();
    }
    return "line "
        + first.getLineNr()
        + ", column "
        + first.getColumnNr()
        + " and line "
        + second.getLineNr()
        + ", column "
        + second.getColumnNr();
  }
}

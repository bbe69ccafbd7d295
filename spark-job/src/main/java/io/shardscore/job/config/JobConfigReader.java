package io.shardscore.job.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a YAML job file into a {@link JobConfig}. Keys are kebab-case ({@code batch-size}); an
 * unknown key is an error naming the key and the keys that are valid there, and a key set twice is
 * an error naming both lines, so typos and leftovers never pass silently.
 */
public final class JobConfigReader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private JobConfigReader() {}

  public static JobConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new JobConfigException(
          "Job file " + file + " does not exist; pass the path of your job YAML with --config.");
    } catch (IOException e) {
      throw new JobConfigException("Cannot read job file " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  /** Parses YAML text; {@code source} names it in messages. */
  public static JobConfig parse(String yaml, String source) {
    JsonNode tree;
    List<String> duplicates;
    try {
      duplicates = DuplicateKeys.in(yaml, source);
      tree = onlyDocument(yaml, source);
    } catch (JsonProcessingException e) {
      throw new JobConfigException(
          source + " is not valid YAML: " + e.getOriginalMessage() + " (" + location(e) + ").");
    } catch (IOException e) {
      throw new JobConfigException(source + " cannot be read: " + e.getMessage());
    }
    if (!duplicates.isEmpty()) {
      throw new JobConfigException(duplicates);
    }
    if (tree == null || !tree.isObject()) {
      throw new JobConfigException(
          source + " is empty or not a mapping; start from the example in README.md.");
    }
    requireSparkValues((ObjectNode) tree, source);
    normalizeRanges((ObjectNode) tree);
    try {
      valuesAsWritten((ObjectNode) tree, yaml);
    } catch (IOException e) {
      throw new JobConfigException(source + " cannot be read: " + e.getMessage());
    }
    try {
      return YAML.treeToValue(tree, JobConfig.class);
    } catch (UnrecognizedPropertyException e) {
      String where = path(e);
      String parent = where.contains(".") ? where.substring(0, where.lastIndexOf('.')) : "";
      String known =
          e.getKnownPropertyIds().stream()
              .map(Object::toString)
              .sorted()
              .collect(Collectors.joining(", "));
      throw new JobConfigException(
          "Unknown key '"
              + where
              + "' in "
              + source
              + ". Valid keys"
              + (parent.isEmpty() ? " at the top level" : " under '" + parent + "'")
              + ": "
              + known
              + ". Fix the spelling or remove the key.");
    } catch (MismatchedInputException e) {
      throw new JobConfigException(
          "Key '"
              + path(e)
              + "' in "
              + source
              + " has a value of the wrong type: "
              + e.getOriginalMessage().split("\n")[0]
              + ". See the config reference in README.md.");
    } catch (JsonProcessingException e) {
      throw new JobConfigException(
          source + " cannot be read: " + e.getOriginalMessage() + " (" + location(e) + ").");
    } catch (IllegalArgumentException e) {
      throw new JobConfigException(source + " cannot be read: " + e.getMessage());
    }
  }

  /**
   * The one YAML document of a job file. Jackson reads the first document and ignores the rest, so
   * a second document after {@code ---} (a pasted second job, or a section meant for this one)
   * would pass silently; it is refused instead.
   */
  private static JsonNode onlyDocument(String yaml, String source) throws IOException {
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      JsonNode first = docs.hasNextValue() ? docs.nextValue() : null;
      // Every later document must be empty (a trailing '---'); an empty one in between must not
      // hide a job after it.
      while (docs.hasNextValue()) {
        JsonNode second = docs.nextValue();
        if (second != null && !second.isNull() && !second.isMissingNode()) {
          throw new JobConfigException(
              source
                  + " holds more than one YAML document (a second one starts after '---' near "
                  + location(docs.getCurrentLocation())
                  + "). A job file is one document: merge the keys into the first one, or put the"
                  + " second job in a file of its own.");
        }
      }
      return first;
    }
  }

  /**
   * Every {@code spark:} setting needs a value: {@code spark.executor.memory:} alone is refused.
   */
  private static void requireSparkValues(ObjectNode root, String source) {
    JsonNode spark = root.get("spark");
    if (!(spark instanceof ObjectNode settings)) {
      return;
    }
    List<String> empty = new ArrayList<>();
    settings
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue() == null || e.getValue().isNull()) {
                empty.add(e.getKey());
              }
            });
    if (!empty.isEmpty()) {
      throw new JobConfigException(
          "Spark setting "
              + String.join(", ", empty)
              + " under 'spark:' in "
              + source
              + " has no value. Give each Spark setting under 'spark:' a value (e.g."
              + " 'spark.executor.memory: 4g'), or remove the key.");
    }
  }

  /**
   * {@code sharding.ranges} may be a compact string {@code "0-999,1000-1999"}, a list of range
   * strings, or a list of {@code {name, range}} maps; turn the first two into the third.
   */
  private static void normalizeRanges(ObjectNode root) {
    JsonNode sharding = root.get("sharding");
    if (!(sharding instanceof ObjectNode shardingNode)) {
      return;
    }
    JsonNode ranges = shardingNode.get("ranges");
    if (ranges == null || ranges.isNull()) {
      return;
    }
    ArrayNode list = YAML.createArrayNode();
    if (ranges.isTextual()) {
      for (String part : ranges.asText().split(",")) {
        list.add(YAML.createObjectNode().put("range", part.trim()));
      }
    } else if (ranges.isArray()) {
      for (JsonNode item : ranges) {
        if (item.isTextual() || item.isNumber()) {
          list.add(YAML.createObjectNode().put("range", item.asText()));
        } else {
          list.add(item);
        }
      }
    } else {
      return;
    }
    shardingNode.set("ranges", list);
  }

  /**
   * The values of {@code sharding.values} exactly as written: YAML reads unquoted {@code NO} as the
   * boolean false, {@code 01234} as the octal 668 and {@code 1.10} as 1.1, which would make a key
   * value never match (Norway's rows unmatched). Each scalar of a value list becomes the text of
   * its source, so {@code [NO, 01234, 1.10]} holds the strings NO, 01234 and 1.10; values are then
   * read as the key column's type.
   */
  private static void valuesAsWritten(ObjectNode root, String yaml) throws IOException {
    if (!(root.get("sharding") instanceof ObjectNode sharding)
        || !(sharding.get("values") instanceof ObjectNode values)) {
      return;
    }
    java.util.Map<String, List<String>> written = new java.util.LinkedHashMap<>();
    try (com.fasterxml.jackson.core.JsonParser p = YAML.getFactory().createParser(yaml)) {
      com.fasterxml.jackson.core.JsonToken t;
      while ((t = p.nextToken()) != null) {
        com.fasterxml.jackson.core.JsonStreamContext list = p.getParsingContext();
        if (t == com.fasterxml.jackson.core.JsonToken.END_OBJECT && list.inRoot()) {
          break; // the end of the first document
        }
        if (!t.isScalarValue() || !list.inArray()) {
          continue;
        }
        com.fasterxml.jackson.core.JsonStreamContext shard = list.getParent();
        com.fasterxml.jackson.core.JsonStreamContext valuesCtx = shard.getParent();
        com.fasterxml.jackson.core.JsonStreamContext shardingCtx =
            valuesCtx == null ? null : valuesCtx.getParent();
        if (shardingCtx != null
            && shardingCtx.getParent() != null
            && shardingCtx.getParent().inRoot()
            && "values".equals(valuesCtx.getCurrentName())
            && "sharding".equals(shardingCtx.getCurrentName())) {
          written
              .computeIfAbsent(shard.getCurrentName(), k -> new ArrayList<>())
              .add(t == com.fasterxml.jackson.core.JsonToken.VALUE_NULL ? null : p.getText());
        }
      }
    }
    values
        .properties()
        .forEach(
            e -> {
              List<String> texts = written.get(e.getKey());
              if (!(e.getValue() instanceof ArrayNode list)
                  || texts == null
                  || texts.size() != list.size()) {
                return; // not a plain list of scalars (an alias, a nested list): keep as read
              }
              for (int i = 0; i < list.size(); i++) {
                if (texts.get(i) != null && list.get(i).isValueNode()) {
                  list.set(i, YAML.getNodeFactory().textNode(texts.get(i)));
                }
              }
            });
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static String location(JsonProcessingException e) {
    return location(e.getLocation());
  }

  private static String location(JsonLocation l) {
    return l == null ? "unknown position" : "line " + l.getLineNr() + ", column " + l.getColumnNr();
  }
}

package io.shardscore.job.config;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The type of a {@link Setting}'s value as its config record holds it, and how a value is read from
 * text (a command-line flag, {@link JobConfig#with(String, String)}) and written back.
 */
final class ValueType<T> {
  static final ValueType<String> TEXT = new ValueType<>(String.class, "text", s -> s, s -> s);
  static final ValueType<Integer> INT =
      new ValueType<>(
          Integer.class, "a whole number", s -> Integer.valueOf(s.trim()), String::valueOf);
  static final ValueType<Long> LONG =
      new ValueType<>(Long.class, "a whole number", s -> Long.valueOf(s.trim()), String::valueOf);
  static final ValueType<Double> DECIMAL =
      new ValueType<>(Double.class, "a number", s -> Double.valueOf(s.trim()), String::valueOf);

  static final ValueType<Boolean> BOOLEAN =
      new ValueType<>(Boolean.class, "true or false", ValueType::bool, String::valueOf);

  /** A comma-separated list: {@code a,b,c}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static final ValueType<List<String>> LIST =
      new ValueType<>(
          (Class) List.class,
          "a comma-separated list",
          s -> Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList(),
          l -> String.join(",", l));

  /** Key ranges in their compact form: {@code 0-999,1000-1999}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static final ValueType<List<ShardingConfig.NamedRange>> RANGES =
      new ValueType<>(
          (Class) List.class,
          "ranges such as 0-999,1000-1999",
          s ->
              Arrays.stream(s.split(","))
                  .map(p -> new ShardingConfig.NamedRange(null, p.trim()))
                  .toList(),
          l ->
              l.stream()
                  .map(r -> r.name() == null ? r.range() : r.name() + ":" + r.range())
                  .collect(Collectors.joining(",")));

  /** Value lists: {@code emea=DE|FR|ES,amer=US|CA}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static final ValueType<Map<String, List<String>>> VALUES =
      new ValueType<>(
          (Class) Map.class,
          "value lists such as emea=DE|FR,amer=US|CA",
          ValueType::valueLists,
          m ->
              m.entrySet().stream()
                  .map(e -> e.getKey() + "=" + String.join("|", e.getValue()))
                  .collect(Collectors.joining(",")));

  /** {@code key=value} pairs: {@code a=1,b=2}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static final ValueType<Map<String, String>> MAP =
      new ValueType<>((Class) Map.class, "key=value pairs", ValueType::pairs, Map::toString);

  private static Boolean bool(String s) {
    return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("not true or false: " + s);
    };
  }

  private final Class<T> raw;
  private final String what;
  private final Function<String, T> parser;
  private final Function<T, String> formatter;

  private ValueType(
      Class<T> raw, String what, Function<String, T> parser, Function<T, String> formatter) {
    this.raw = raw;
    this.what = what;
    this.parser = parser;
    this.formatter = formatter;
  }

  /** The class of the record component holding the value. */
  Class<T> raw() {
    return raw;
  }

  /** What a value of this type is, for messages: "a whole number". */
  String what() {
    return what;
  }

  boolean numeric() {
    return Number.class.isAssignableFrom(raw);
  }

  boolean collection() {
    return raw == List.class || raw == Map.class;
  }

  /** Reads {@code text}; throws {@link IllegalArgumentException} when it is not of this type. */
  T parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("no value");
    }
    return parser.apply(text);
  }

  String format(T value) {
    return formatter.apply(value);
  }

  /** The value as a message shows it: text in quotes, numbers as they are. */
  static String show(Object value) {
    return value instanceof String ? "'" + value + "'" : String.valueOf(value);
  }

  private static Map<String, List<String>> valueLists(String text) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    pairs(text)
        .forEach((k, v) -> out.put(k, Arrays.stream(v.split("\\|")).map(String::trim).toList()));
    return out;
  }

  private static Map<String, String> pairs(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      int eq = pair.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("not key=value: " + pair);
      }
      out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return out;
  }
}

package io.shardscore.job.config;

import io.shardscore.model.ModelLoadException;
import io.shardscore.sharding.ShardingException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * One job setting, declared once in {@link Settings} (in the spirit of Spark ML's {@code Param}):
 * its key, value type, default, allowed values, one-line doc and command-line flag. The record
 * defaults, {@link JobConfigValidator}, the CLI overrides, {@link JobConfig#with(Setting, Object)}
 * and README's config reference all come from the declaration.
 *
 * <p>Every message about a bad value has one form: {@code <key> is <value>; <fix>.}, e.g. {@code
 * scoring.batch-size is 0; use 1 to 1000000 (1024 is a good start).}
 *
 * @param <T> the value's type as the config record holds it; choices are held as their text
 */
public final class Setting<T> {
  private final String key;
  private final ValueType<T> type;
  private final List<String> path;
  private final T defaultValue;
  private final String defaultDoc;
  private final String missingFix;
  private final Double min;
  private final boolean minExclusive;
  private final Double max;
  private final Class<? extends Enum<?>> choices;
  private final String fix;
  private final boolean declaredFix;
  private final BiConsumer<String, T> check;
  private final String doc;
  private final String flag;
  private final String paramLabel;

  private Setting(Builder<T> b) {
    this.key = b.key;
    this.type = b.type;
    this.path = ConfigRecords.path(b.key.endsWith(".*") ? b.key.replace(".*", "") : b.key);
    this.defaultValue = b.defaultValue;
    this.defaultDoc = b.defaultDoc;
    this.missingFix = b.missingFix;
    this.min = b.min;
    this.minExclusive = b.minExclusive;
    this.max = b.max;
    this.choices = b.choices;
    this.check = b.check;
    this.doc = b.doc;
    this.flag = b.flag;
    this.paramLabel = b.paramLabel;
    this.fix = b.fix != null ? b.fix : generatedFix(b);
    this.declaredFix = b.fix != null;
    Class<?> held = ConfigRecords.typeAt(JobConfig.class, path);
    if (held != type.raw() || doc == null) {
      throw new IllegalStateException(
          key + " is declared as " + type.raw() + " but its record holds " + held + " (or no doc)");
    }
  }

  static <T> Builder<T> of(String key, ValueType<T> type) {
    return new Builder<>(key, type);
  }

  /**
   * A setting whose text names one constant of an enum (see {@link Choices}); {@code defaultValue}
   * is the default and gives the enum.
   */
  static Builder<String> choice(String key, Enum<?> defaultValue) {
    Builder<String> b = new Builder<>(key, ValueType.TEXT);
    b.choices = defaultValue.getDeclaringClass();
    b.defaultValue = Choices.configName(defaultValue);
    return b;
  }

  /** The key as the job file nests it: {@code scoring.batch-size}. */
  public String key() {
    return key;
  }

  /** The value when the job file leaves the key out; empty when there is none. */
  public Optional<T> defaultValue() {
    return Optional.ofNullable(defaultValue);
  }

  /** True when a job must set it. */
  public boolean required() {
    return missingFix != null;
  }

  /** The default as the config reference shows it: {@code `1024`}, {@code required}, {@code —}. */
  public String defaultDoc() {
    if (required()) {
      return "required";
    }
    if (defaultValue != null) {
      return "`" + type.format(defaultValue) + "`";
    }
    return defaultDoc != null ? defaultDoc : "—";
  }

  /** What the setting does, one line of Markdown (README's config reference). */
  public String doc() {
    return doc;
  }

  /** How to fix a bad value: {@code use 1 to 1000000 (1024 is a good start)}. */
  public String fix() {
    return fix;
  }

  /**
   * The fix, when the setting allows fewer values than its type does (a range, choices, a format);
   * empty for free text.
   */
  public Optional<String> allowed() {
    return min != null || max != null || choices != null || declaredFix
        ? Optional.of(fix)
        : Optional.empty();
  }

  /** The command-line flag that overrides it, e.g. {@code --batch-size}; empty when none does. */
  public Optional<String> flag() {
    return Optional.ofNullable(flag);
  }

  /** The flag's value label in {@code --help}, e.g. {@code ROWS}. */
  public String paramLabel() {
    return paramLabel != null ? paramLabel : "VALUE";
  }

  /** The config names of the allowed values, or empty when any value of the type is allowed. */
  public List<String> choices() {
    return choices == null ? List.of() : Choices.names(choices);
  }

  /** The value in {@code config} as its record holds it (defaults applied); null when absent. */
  public T get(JobConfig config) {
    return type.raw().cast(ConfigRecords.get(config, path));
  }

  /** The value in {@code config} as text, as a flag would give it; null when absent. */
  public String text(JobConfig config) {
    T value = get(config);
    return value == null ? null : type.format(value);
  }

  /**
   * Reads {@code text} as this setting's value (a number, a comma-separated list, ...). Only the
   * type is checked here; ranges and choices are checked with the whole config by the validator.
   */
  public T parse(String text) {
    try {
      return type.parse(text);
    } catch (IllegalArgumentException e) {
      throw new JobConfigException(problem(key, text, fix));
    }
  }

  /** A copy of {@code config} with this setting set to {@code value}; null restores the default. */
  JobConfig set(JobConfig config, T value) {
    return (JobConfig) ConfigRecords.with(config, JobConfig.class, path, value);
  }

  /** The record's value, or the declared default when the job leaves it out. */
  T orDefault(T value) {
    return value == null ? defaultValue : value;
  }

  /**
   * What is wrong with this setting's value in {@code config}; empty when its section is absent.
   */
  List<String> problems(JobConfig config) {
    if (!ConfigRecords.present(config, path)) {
      return List.of();
    }
    Object v = ConfigRecords.get(config, path);
    boolean empty = v instanceof Collection<?> c && c.isEmpty();
    if (v == null || empty || required() && v instanceof String s && s.isBlank()) {
      return required()
          ? List.of(key + (empty ? " is empty; " : " is missing; ") + missingFix + ".")
          : List.of();
    }
    List<String> problems = new ArrayList<>();
    if (choices != null && !Choices.names(choices).contains(Choices.normalize((String) v))) {
      problems.add(problem(key, v, fix));
    }
    if (type.numeric() && !inRange(((Number) v).doubleValue())) {
      problems.add(problem(key, v, fix));
    }
    if (check != null) {
      try {
        check.accept(key, type.raw().cast(v));
      } catch (JobConfigException e) {
        problems.addAll(e.problems());
      } catch (ShardingException | ModelLoadException e) {
        problems.add(e.getMessage());
      }
    }
    return problems;
  }

  /** The one form of every message about a bad value: {@code <key> is <value>; <fix>.} */
  static String problem(String key, Object value, String fix) {
    return key + " is " + ValueType.show(value) + "; " + fix + ".";
  }

  private boolean inRange(double v) {
    boolean low = min == null || (minExclusive ? v > min : v >= min);
    boolean high = max == null || v <= max;
    return low && high && !Double.isNaN(v);
  }

  private static String generatedFix(Builder<?> b) {
    if (b.choices != null) {
      return Choices.oneOf(b.choices);
    }
    if (b.min == null || b.minExclusive) {
      return "use " + b.type.what();
    }
    String range = number(b.min) + (b.max != null ? " to " + number(b.max) : " or more");
    String hint =
        b.hint != null ? b.hint : b.defaultValue != null ? b.defaultValue.toString() : null;
    return "use " + range + (hint != null ? " (" + hint + ")" : "");
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  @Override
  public String toString() {
    return key;
  }

  /** Declares a setting; see {@link Settings}. */
  static final class Builder<T> {
    private final String key;
    private final ValueType<T> type;
    private T defaultValue;
    private String defaultDoc;
    private String missingFix;
    private Double min;
    private boolean minExclusive;
    private Double max;
    private Class<? extends Enum<?>> choices;
    private String hint;
    private String fix;
    private BiConsumer<String, T> check;
    private String doc;
    private String flag;
    private String paramLabel;

    private Builder(String key, ValueType<T> type) {
      this.key = key;
      this.type = type;
    }

    Builder<T> defaultValue(T value) {
      this.defaultValue = value;
      return this;
    }

    /** Says what happens when the key is left out and there is no default value. */
    Builder<T> defaultDoc(String text) {
      this.defaultDoc = text;
      return this;
    }

    /** The job must set it; {@code fix} says how ("set it to ..."). */
    Builder<T> required(String fix) {
      this.missingFix = fix;
      return this;
    }

    Builder<T> atLeast(double value) {
      this.min = value;
      return this;
    }

    Builder<T> above(double value) {
      this.min = value;
      this.minExclusive = true;
      return this;
    }

    Builder<T> atMost(double value) {
      this.max = value;
      return this;
    }

    /** Words after the range in the fix: {@code 1024 is a good start}; the default otherwise. */
    Builder<T> hint(String text) {
      this.hint = text;
      return this;
    }

    /** The whole fix for a bad value, instead of the one made from the range or the choices. */
    Builder<T> fix(String text) {
      this.fix = text;
      return this;
    }

    /**
     * A check of its own, given the key and the value; it throws a message when it fails (a {@link
     * JobConfigException} may list several).
     */
    Builder<T> check(BiConsumer<String, T> value) {
      this.check = value;
      return this;
    }

    Builder<T> doc(String text) {
      this.doc = text;
      return this;
    }

    Builder<T> flag(String name, String label) {
      this.flag = name;
      this.paramLabel = label;
      return this;
    }

    Setting<T> build() {
      return new Setting<>(this);
    }
  }
}

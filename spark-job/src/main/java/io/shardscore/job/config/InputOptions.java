package io.shardscore.job.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.catalyst.DataSourceOptions;
import org.apache.spark.sql.catalyst.FileSourceOptions$;
import org.apache.spark.sql.catalyst.csv.CSVOptions$;
import org.apache.spark.sql.catalyst.json.JSONOptions$;
import org.apache.spark.sql.execution.datasources.FileIndexOptions$;
import org.apache.spark.sql.execution.datasources.orc.OrcOptions$;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions$;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Checks {@code input.options} before any Spark job. Spark ignores an option name it does not know
 * ({@code heder: true} reads the header line as a row), so for its built-in file formats (csv,
 * json, orc, parquet) every name must be one that format, or every file source, reads; names are
 * matched ignoring case, as Spark does, and a name given twice in two spellings is refused. Other
 * sources (delta, iceberg, avro, jdbc...) get their options unchecked: only they know them.
 *
 * <p>The names come from Spark's own option registries ({@code CSVOptions}, {@code JSONOptions},
 * {@code OrcOptions}, {@code ParquetOptions}, {@code FileSourceOptions}, {@code FileIndexOptions}),
 * which are internal API: a Spark upgrade that moves them fails InputOptionsTest, not a user's run.
 */
public final class InputOptions {
  private InputOptions() {}

  /** Spark's time-travel reader options, which choose the snapshot of a table a run reads. */
  static final List<String> TIME_TRAVEL = List.of("versionAsOf", "timestampAsOf");

  /**
   * The time-travel option {@code options} sets ({@code versionAsOf} or {@code timestampAsOf}, in
   * any case), or null when none.
   */
  public static String timeTravel(Map<String, String> options) {
    for (String name : options.keySet()) {
      for (String t : TIME_TRAVEL) {
        if (t.equalsIgnoreCase(name)) {
          return name;
        }
      }
    }
    return null;
  }

  /**
   * The problems with {@code options} for a table, whose source alone knows its option names: each
   * needs a value, and a name is given once.
   */
  static List<String> problemsForTable(Map<String, String> options) {
    return named(options);
  }

  /** The problems with {@code options} for {@code format}, each naming the fix; empty when none. */
  static List<String> problems(String format, Map<String, String> options) {
    List<String> problems = named(options);
    Set<String> known = known(format);
    if (known.isEmpty()) {
      return problems;
    }
    Set<String> lower = new TreeSet<>();
    known.forEach(k -> lower.add(k.toLowerCase(Locale.ROOT)));
    for (String name : options.keySet()) {
      if (!lower.contains(name.toLowerCase(Locale.ROOT))) {
        problems.add(
            "input.options."
                + name
                + " is not an option of Spark's "
                + format
                + " reader, which would ignore it silently."
                + closest(name, known).map(c -> " Did you mean '" + c + "'?").orElse("")
                + " Options it reads: "
                + String.join(", ", new TreeSet<>(known))
                + ".");
      }
    }
    return problems;
  }

  /** Every option needs a value, and a name (ignoring case, as Spark does) is given once. */
  private static List<String> named(Map<String, String> options) {
    List<String> problems = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (Map.Entry<String, String> o : options.entrySet()) {
      String name = o.getKey();
      String other = seen.put(name.toLowerCase(Locale.ROOT), name);
      if (other != null) {
        problems.add(
            "input.options sets '"
                + other
                + "' and '"
                + name
                + "', one option to Spark (names ignore case); keep one.");
      }
      if (o.getValue() == null) {
        problems.add(
            "input.options."
                + name
                + " has no value; give it one or remove it (YAML reads a bare null, NULL or ~ as"
                + " no value: quote it, e.g. 'NULL', to pass the text).");
      }
    }
    return problems;
  }

  /** The option names Spark's built-in {@code format} reads; empty for any other source. */
  static Set<String> known(String format) {
    DataSourceOptions own =
        switch (format.toLowerCase(Locale.ROOT)) {
          case "csv" -> CSVOptions$.MODULE$;
          case "json" -> JSONOptions$.MODULE$;
          case "orc" -> OrcOptions$.MODULE$;
          case "parquet" -> ParquetOptions$.MODULE$;
          default -> null;
        };
    if (own == null) {
      return Set.of();
    }
    Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (DataSourceOptions o : List.of(own, FileIndexOptions$.MODULE$)) {
      names.addAll(CollectionConverters.asJava(o.getAllOptions()));
    }
    names.add(FileSourceOptions$.MODULE$.IGNORE_CORRUPT_FILES());
    names.add(FileSourceOptions$.MODULE$.IGNORE_MISSING_FILES());
    names.add("path");
    return names;
  }

  private static java.util.Optional<String> closest(String name, Set<String> known) {
    String n = name.toLowerCase(Locale.ROOT);
    return known.stream()
        .min(Comparator.comparingInt(k -> distance(n, k.toLowerCase(Locale.ROOT))))
        .filter(k -> distance(n, k.toLowerCase(Locale.ROOT)) <= Math.max(2, n.length() / 4));
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}

package io.shardscore.job.run;

import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * One type per column across the files of a Parquet input, checked on the driver from the footers
 * the snapshot read, before Spark reads a row. Spark reads every file of an input with one schema
 * (inferred from one of the files), so a column that is int in one file and bigint in another fails
 * a task as soon as it reaches the odd file, whichever run or rerun it is; Spark's mergeSchema does
 * not reconcile them either (int and bigint do not merge). Only the columns the run reads count.
 */
final class InputTypes {
  /** Numeric types in widening order: a conflict among them is fixed by casting to the widest. */
  private static final List<DataType> WIDENING =
      List.of(
          DataTypes.ByteType,
          DataTypes.ShortType,
          DataTypes.IntegerType,
          DataTypes.LongType,
          DataTypes.FloatType,
          DataTypes.DoubleType);

  private InputTypes() {}

  /**
   * Throws an input error naming, for each column of {@code read} whose files disagree, the types
   * and files of each, and the cast that makes them agree.
   *
   * @param root the qualified input path, for the message
   */
  static void requireOneTypePerColumn(InputSnapshot snapshot, Predicate<String> read, String root) {
    // column -> type as Spark names it (nullability aside) -> files with it
    Map<String, Map<String, List<String>>> columns = new LinkedHashMap<>();
    Map<String, DataType> typeNamed = new LinkedHashMap<>();
    // The mapping Spark's Parquet reader applies, with the session's settings (binaryAsString...).
    ParquetToSparkSchemaConverter converter = new ParquetToSparkSchemaConverter(SQLConf.get());
    // Spark matches file columns to the read schema ignoring case unless spark.sql.caseSensitive is
    // set: Amount in one file and amount in another are the same column to it.
    boolean caseSensitive = SQLConf.get().caseSensitiveAnalysis();
    for (Map.Entry<MessageType, List<String>> schema : snapshot.schemas().entrySet()) {
      StructField[] fields;
      try {
        fields = converter.convert(schema.getKey()).fields();
      } catch (RuntimeException e) {
        continue; // a type Spark cannot read at all: its own read names it
      }
      for (StructField f : fields) {
        if (read.test(f.name())) {
          String type = f.dataType().simpleString();
          typeNamed.putIfAbsent(type, f.dataType());
          columns
              .computeIfAbsent(
                  caseSensitive ? f.name() : f.name().toLowerCase(Locale.ROOT),
                  c -> new TreeMap<>())
              .computeIfAbsent(type, t -> new ArrayList<>())
              .addAll(schema.getValue());
        }
      }
    }
    List<String> conflicts = new ArrayList<>();
    List<String> casts = new ArrayList<>();
    columns.forEach(
        (column, types) -> {
          if (types.size() > 1) {
            List<String> each = new ArrayList<>();
            types.entrySet().stream()
                .sorted(Comparator.comparing(e -> e.getValue().stream().sorted().findFirst().get()))
                .forEach(e -> each.add(e.getKey() + " in " + files(e.getValue())));
            conflicts.add("column '" + column + "': " + String.join(", ", each));
            DataType target = target(types, typeNamed);
            String name = column.matches("[A-Za-z_][A-Za-z0-9_]*") ? column : "`" + column + "`";
            casts.add(
                "CAST("
                    + name
                    + " AS "
                    + target.sql()
                    + ") (in Spark: .withColumn(\""
                    + column
                    + "\", col(\""
                    + column
                    + "\").cast(\""
                    + target.simpleString()
                    + "\")))");
          }
        });
    if (!conflicts.isEmpty()) {
      throw new ShardscoreException(
          ErrorKind.INPUT,
          "The files under input.path "
              + root
              + " disagree on the type of "
              + String.join("; and of ", conflicts)
              + ". Spark reads all files of an input with one type per column, so nothing was"
              + " scored and a rerun would fail the same way. Rewrite the odd files with "
              + String.join(" and ", casts)
              + ", or move them out of input.path.");
    }
  }

  private static String files(List<String> files) {
    List<String> sorted = files.stream().sorted().toList();
    String first = sorted.get(0).isEmpty() ? "the input file" : sorted.get(0);
    return sorted.size() == 1
        ? first
        : first + " and " + (sorted.size() - 1) + " other file" + (sorted.size() > 2 ? "s" : "");
  }

  /** The widest numeric type when all are numeric, else the type most files have. */
  private static DataType target(Map<String, List<String>> types, Map<String, DataType> typeNamed) {
    List<DataType> all = types.keySet().stream().map(typeNamed::get).toList();
    if (WIDENING.containsAll(all)) {
      return all.stream().max(Comparator.comparingInt(WIDENING::indexOf)).get();
    }
    return typeNamed.get(
        types.entrySet().stream()
            .max(Comparator.comparingInt(e -> e.getValue().size()))
            .get()
            .getKey());
  }
}

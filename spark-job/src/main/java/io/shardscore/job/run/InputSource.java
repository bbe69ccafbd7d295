package io.shardscore.job.run;

import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.commit.InputFile;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.InputConfig;
import io.shardscore.job.config.InputOptions;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.error.Causes;
import io.shardscore.job.row.ColumnNames;
import io.shardscore.job.store.StoreErrors;
import io.shardscore.job.store.StorePaths;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The rows a run scores: a configured path read with its format, or a Dataset handed to the job.
 * For a Parquet path it also knows the input's files and their key ranges (the snapshot), so that a
 * run can read only the files of the shards it scores.
 *
 * @param frame every input row
 * @param root the qualified input path, or null for a Dataset input
 * @param format the Spark source name for a path input
 * @param options the reader options for a path input ({@code input.options})
 * @param snapshot the input's files and footers, for Parquet paths
 * @param table the table name for a table input, else null
 * @param version the table snapshot/version the run reads, null when the table does not say
 */
public record InputSource(
    Dataset<Row> frame,
    String root,
    String format,
    Map<String, String> options,
    Optional<InputSnapshot> snapshot,
    String table,
    String version) {
  private static final Logger LOG = LogManager.getLogger(InputSource.class);

  /** Spark's file source option naming the folder partition discovery starts from. */
  private static final String BASE_PATH = "basePath";

  /** A Dataset handed to the job: no files to know about. */
  static InputSource of(Dataset<Row> frame) {
    return new InputSource(frame, null, null, Map.of(), Optional.empty(), null, null);
  }

  /**
   * Reads {@code in.path}, which must exist (that it lies apart from the output is checked before,
   * by {@link io.shardscore.job.store.PathOverlap}). For a Parquet path the footers are read first,
   * on the driver, and the files must agree on the type of each column the run reads ({@code
   * columnsRead}), before Spark reads anything.
   */
  static InputSource read(
      SparkSession spark,
      InputConfig in,
      String key,
      Predicate<String> columnsRead,
      Configuration hadoop) {
    Path inputPath = StorePaths.qualify(in.path(), hadoop, "input.path");
    FileSystem fs = StorePaths.fileSystem(inputPath, hadoop, "input.path");
    try {
      if (!fs.exists(inputPath)) {
        throw new JobConfigException(
            "input.path "
                + inputPath
                + " does not exist. Check the path (and the run date in it).");
      }
    } catch (IOException e) {
      throw new JobConfigException(StoreErrors.explain("input.path", inputPath, e, hadoop));
    }
    String inp = inputPath.toString();
    Optional<InputSnapshot> snapshot = snapshot(in, key, hadoop);
    snapshot.ifPresent(s -> InputTypes.requireOneTypePerColumn(s, columnsRead, inp));
    Dataset<Row> frame;
    try {
      frame = spark.read().format(in.format()).options(in.options()).load(inp);
    } catch (Exception e) { // SparkException is checked but undeclared by Scala
      throw new JobConfigException(
          "Cannot read input.path "
              + inputPath
              + " as "
              + in.format()
              + (in.options().isEmpty() ? "" : " with input.options " + in.options())
              + ": "
              + Causes.rootMessage(e)
              + ". Check that it holds "
              + in.format()
              + " files"
              + (in.options().isEmpty() ? "" : " and that Spark accepts each option's value")
              + ".");
    }
    return new InputSource(frame, inp, in.format(), in.options(), snapshot, null, null);
  }

  /** The input's files and key ranges when it is a Parquet path. */
  private static Optional<InputSnapshot> snapshot(
      InputConfig in, String key, Configuration hadoop) {
    if (!"parquet".equalsIgnoreCase(in.format())) {
      return Optional.empty();
    }
    try {
      return Optional.of(InputSnapshot.take(hadoop, new Path(in.path()), key));
    } catch (IOException e) {
      LOG.warn(
          "Cannot list the input's files and footers ({}); reading all rows instead", e.toString());
      return Optional.empty();
    }
  }

  /**
   * Reads the table {@code in.table()} of the session's catalogs, at {@code in.version()} or, when
   * the table names its current snapshot (Iceberg does), pinned to that one so that the census and
   * the scoring stage read the same rows; filtered by {@code in.where()}.
   */
  static InputSource table(SparkSession spark, InputConfig in) {
    // A snapshot chosen by the reader options (versionAsOf, timestampAsOf) is as fixed as one
    // chosen by input.version: no pin on top of it, which Spark would refuse as a second choice.
    String travel = InputOptions.timeTravel(in.options());
    String version =
        in.version() != null
            ? in.version()
            : travel != null
                ? (travel.equalsIgnoreCase("versionAsOf") ? in.options().get(travel) : null)
                : TableSnapshot.current(spark, in.table());
    Dataset<Row> frame;
    try {
      DataFrameReader reader = spark.read().options(in.options());
      if (version != null && travel == null) {
        reader = reader.option("versionAsOf", version);
      }
      frame = reader.table(in.table());
      if (in.where() != null) {
        frame = frame.where(ColumnNames.sqlPredicate(in.where()));
      }
      frame.schema(); // resolves the table, the version and the filter now
    } catch (Exception e) { // AnalysisException is checked but undeclared by Scala
      throw new JobConfigException(TableSnapshot.explain(spark, in, version, e));
    }
    return new InputSource(frame, null, null, in.options(), Optional.empty(), in.table(), version);
  }

  /** What the manifest records of the input; null for a Dataset or files in another format. */
  Manifest.InputEntry entry() {
    if (table != null) {
      return new Manifest.InputEntry(table, List.of(), options, version);
    }
    return snapshot.map(s -> new Manifest.InputEntry(root, s.files(), options, null)).orElse(null);
  }

  /** The input as messages name it: {@code input.path <path>}, the table or the Dataset. */
  String describe() {
    if (table != null) {
      return "input.table " + table + (version == null ? "" : " (version " + version + ")");
    }
    return root == null ? "the input Dataset" : "input.path " + root;
  }

  /** How many files the input has, or -1 when it is not a listed Parquet path. */
  int fileCount() {
    return snapshot.map(s -> s.files().size()).orElse(-1);
  }

  /** Only these files of the input, with the input's schema and partition columns. */
  Dataset<Row> readFiles(SparkSession spark, Set<InputFile> files) {
    if (files.size() == 1 && files.iterator().next().path().isEmpty()) {
      // input.path is a single file: read it as it is (a basePath must be a folder).
      return spark.read().schema(frame.schema()).format(format).options(options).load(root);
    }
    String base = root.endsWith("/") ? root : root + "/";
    String[] paths = files.stream().map(f -> base + f.path()).toArray(String[]::new);
    DataFrameReader reader = spark.read().schema(frame.schema()).format(format).options(options);
    // A basePath of the user's (above input.path) gives the rows partition columns of folders above
    // the input; replacing it with the root would read those columns as null.
    if (options.keySet().stream().noneMatch(BASE_PATH::equalsIgnoreCase)) {
      reader = reader.option(BASE_PATH, root);
    }
    return reader.load(paths);
  }
}

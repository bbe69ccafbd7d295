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
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import java.io.IOException;
import java.util.Collection;
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
 * @param where the table's {@code input.where} filter, null when none
 * @param metadataFallback why the input's metadata cannot decide which shards changed (the change
 *     check then reads every row); null when it can, or for a Dataset
 */
public record InputSource(
    Dataset<Row> frame,
    String root,
    String format,
    Map<String, String> options,
    Optional<InputSnapshot> snapshot,
    String table,
    String version,
    String where,
    String metadataFallback) {
  private static final Logger LOG = LogManager.getLogger(InputSource.class);

  /** Spark's file source option naming the folder partition discovery starts from. */
  private static final String BASE_PATH = "basePath";

  /** A Dataset handed to the job: no files to know about. */
  static InputSource of(Dataset<Row> frame) {
    return new InputSource(frame, null, null, Map.of(), Optional.empty(), null, null, null, null);
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
    return new InputSource(
        frame,
        inp,
        in.format(),
        in.options(),
        snapshot,
        null,
        null,
        null,
        snapshot.isPresent()
            ? null
            : "delta".equalsIgnoreCase(in.format())
                ? "input.format is delta: the fast path does not read Delta's log (added and"
                    + " removed files) yet"
                : "parquet".equalsIgnoreCase(in.format())
                    ? "the input's files and footers could not be read (the log says why)"
                    : "input.format is "
                        + in.format()
                        + ": the fast path reads Parquet footers (or an Iceberg table's metadata)");
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
   * the scoring stage read the same rows; filtered by {@code in.where()}. Where the table's
   * metadata lists the snapshot's data files with the bounds of {@code key} (Iceberg), the source
   * knows them as it knows a Parquet path's files.
   */
  static InputSource table(SparkSession spark, InputConfig in, String key) {
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
    TableFiles.Listing files = TableFiles.list(spark, in.table(), version, key);
    return new InputSource(
        frame,
        null,
        null,
        in.options(),
        files.snapshot(),
        in.table(),
        version,
        in.where(),
        files.fallback());
  }

  /** What the manifest records of the input; null for a Dataset or files in another format. */
  Manifest.InputEntry entry() {
    if (table != null) {
      return new Manifest.InputEntry(
          table, snapshot.map(InputSnapshot::files).orElse(List.of()), options, version, where);
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

  /** How many (data) files the input has, or -1 when it is not a listed Parquet path or table. */
  int fileCount() {
    return snapshot.map(s -> s.files().size()).orElse(-1);
  }

  /**
   * Rows that include every row of {@code shards} (and with {@code strays}, every row no shard
   * covers): for a table, the rows the key filter of those shards selects, which the table's scan
   * reads from the data files whose bounds admit them ({@code files}); for a path, {@code files}.
   */
  Dataset<Row> readFor(
      SparkSession spark,
      Set<InputFile> files,
      ShardPlan plan,
      Collection<Shard> shards,
      boolean strays) {
    if (table != null) {
      return KeyFilter.of(plan, shards, strays).map(frame::where).orElse(frame);
    }
    return readFiles(spark, files);
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

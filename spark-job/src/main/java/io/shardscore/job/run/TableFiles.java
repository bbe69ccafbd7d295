package io.shardscore.job.run;

import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.commit.InputFile;
import io.shardscore.job.error.Causes;
import io.shardscore.job.row.ColumnNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * The data files of one snapshot of an Iceberg table, each with its path, size and the shard key's
 * bounds and null count, read from Iceberg's {@code files} metadata table through Spark SQL: only
 * the table's metadata and manifests are read, no data file is opened, and no Iceberg class is
 * needed at compile time. An incremental run compares these files per shard with the ones the last
 * commit recorded, as it does for the files of a Parquet path.
 *
 * <p>Iceberg data files are immutable and their paths unique, so a file's identity is its path and
 * size (the modification time is not known here and recorded as 0). A snapshot with delete files
 * (position or equality deletes, deletion vectors) changes rows without changing data files: it
 * yields no listing, and the run decides by row fingerprints.
 */
final class TableFiles {
  private TableFiles() {}

  /**
   * What the table's metadata says.
   *
   * @param snapshot the data files, when the metadata can decide which shards changed
   * @param fallback why it cannot, when {@code snapshot} is empty
   */
  record Listing(Optional<InputSnapshot> snapshot, String fallback) {
    static Listing fallback(String why) {
      return new Listing(Optional.empty(), why);
    }
  }

  /** The data files of {@code table} at snapshot {@code version} with the bounds of {@code key}. */
  static Listing list(SparkSession spark, String table, String version, String key) {
    if (version == null) {
      return Listing.fallback(
          "the table names no current snapshot (only Iceberg tables do, and a snapshot chosen by"
              + " timestampAsOf is not named), so its data files cannot be compared");
    }
    String metrics = "readable_metrics." + ColumnNames.quoted(key);
    String sql =
        "SELECT content, file_path, file_size_in_bytes, record_count, "
            + metrics
            + ".lower_bound, "
            + metrics
            + ".upper_bound, "
            + metrics
            + ".null_value_count FROM "
            + table
            + ".files VERSION AS OF "
            + versionLiteral(version);
    Dataset<Row> files;
    List<Row> rows;
    try {
      files = spark.sql(sql);
      rows = files.collectAsList();
    } catch (Exception e) { // AnalysisException is checked but undeclared by Scala
      return Listing.fallback(
          "cannot list the data files of snapshot "
              + version
              + " from "
              + table
              + ".files (an Iceberg metadata table): "
              + Causes.rootMessage(e).split("\n")[0]);
    }
    DataType boundType = files.schema().fields()[4].dataType();
    boolean integral =
        boundType instanceof LongType
            || boundType instanceof IntegerType
            || boundType instanceof ShortType
            || boundType instanceof ByteType;
    if (!integral) {
      return Listing.fallback(
          "the key column's bounds in "
              + table
              + ".files are of type "
              + boundType.simpleString()
              + ", not an integral type");
    }
    List<InputFile> out = new ArrayList<>();
    int deleteFiles = 0;
    for (Row r : rows) {
      int content = ((Number) r.get(0)).intValue();
      if (content != 0) {
        deleteFiles++;
        continue;
      }
      out.add(file(r));
    }
    if (deleteFiles > 0) {
      return Listing.fallback(
          "snapshot "
              + version
              + " has "
              + deleteFiles
              + " delete file(s) (row-level deletes), which change rows without changing data"
              + " files");
    }
    out.sort(Comparator.comparing(InputFile::path));
    return new Listing(Optional.of(new InputSnapshot(out)), null);
  }

  /** A numeric snapshot id as it is, a branch or tag name as a string literal. */
  private static String versionLiteral(String version) {
    return version.matches("[0-9]+") ? version : "'" + version.replace("'", "\\'") + "'";
  }

  private static InputFile file(Row r) {
    String path = r.getString(1);
    long size = ((Number) r.get(2)).longValue();
    long records = ((Number) r.get(3)).longValue();
    Object lo = r.get(4);
    Object hi = r.get(5);
    long nulls = r.isNullAt(6) ? -1 : ((Number) r.get(6)).longValue();
    if (lo != null && hi != null) {
      return new InputFile(
          path, size, 0, ((Number) lo).longValue(), ((Number) hi).longValue(), nulls);
    }
    if (nulls >= 0 && nulls == records) {
      // Only null keys: an empty range that overlaps no key range.
      return new InputFile(path, size, 0, 1L, 0L, nulls);
    }
    return new InputFile(path, size, 0, null, null, nulls); // no bounds: overlaps every shard
  }
}

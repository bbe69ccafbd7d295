package io.shardscore.job.report;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.row.ColumnNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Error counts by reason, each with the smallest and the largest shard key, from the committed
 * {@code _errors} files of the version a run committed. Task results count rejected rows per shard
 * but not per reason, so the reasons are read back. Nothing is read when the version has no error
 * rows. Errors are few (the error budget sees to that): up to {@link #DRIVER_ROWS} rows are read on
 * the driver, only the two columns, streaming, with memory per reason — no Spark job; more are
 * added up by one Spark aggregation.
 */
public final class ErrorReasons {
  /** Reasons the report lists, most frequent first. */
  public static final int MAX_REASONS = 20;

  /** Up to this many committed error rows are read on the driver. */
  static final long DRIVER_ROWS = 2_000_000;

  private ErrorReasons() {}

  /** The reasons of the error rows {@code manifest} commits; empty when it has none. */
  public static List<ErrorReason> of(
      FileSystem fs, Path output, ScoreResult result, Manifest manifest, String keyColumn)
      throws IOException {
    return of(fs, output, result, manifest, keyColumn, DRIVER_ROWS);
  }

  static List<ErrorReason> of(
      FileSystem fs,
      Path output,
      ScoreResult result,
      Manifest manifest,
      String keyColumn,
      long driverRows)
      throws IOException {
    long rows = manifest.totalErrorRows();
    if (rows == 0) {
      return List.of();
    }
    if (rows <= driverRows) {
      List<ErrorReason> read = onDriver(fs, output, manifest, keyColumn);
      if (read != null) {
        return read;
      }
    }
    try {
      return withSpark(result, keyColumn);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) { // SparkException is checked but undeclared by Scala
      throw new IOException(
          "could not add up the error reasons of version "
              + manifest.version()
              + " with Spark: "
              + e.getMessage(),
          e);
    }
  }

  /** The reasons read on the driver; null for a key the driver does not read (not INT32/INT64). */
  private static List<ErrorReason> onDriver(
      FileSystem fs, Path output, Manifest manifest, String keyColumn) throws IOException {
    Map<String, long[]> byReason = new LinkedHashMap<>(); // count, has key, min, max
    String base = output.toString().endsWith("/") ? output.toString() : output + "/";
    for (Manifest.ShardEntry shard : manifest.shards()) {
      for (Manifest.FileEntry f : shard.errorFiles()) {
        Path file = new Path(base + f.path());
        HadoopInputFile in = HadoopInputFile.fromPath(file, fs.getConf());
        MessageType schema;
        try (ParquetFileReader footer = ParquetFileReader.open(in)) {
          schema = footer.getFooter().getFileMetaData().getSchema();
        }
        String reasonName = JobConfigValidator.ERROR_REASON_COLUMN;
        MessageType projection =
            new MessageType(
                schema.getName(), schema.getType(reasonName), schema.getType(keyColumn));
        org.apache.hadoop.conf.Configuration conf =
            new org.apache.hadoop.conf.Configuration(fs.getConf());
        conf.set(ReadSupport.PARQUET_READ_SCHEMA, projection.toString());
        PrimitiveType.PrimitiveTypeName keyType =
            schema.getType(keyColumn).asPrimitiveType().getPrimitiveTypeName();
        if (keyType != PrimitiveType.PrimitiveTypeName.INT64
            && keyType != PrimitiveType.PrimitiveTypeName.INT32) {
          return null;
        }
        try (ParquetReader<Group> reader =
            ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            String reason = g.getString(0, 0);
            long[] a = byReason.computeIfAbsent(reason, k -> new long[] {0, 0, 0, 0});
            a[0]++;
            if (g.getFieldRepetitionCount(1) == 0) {
              continue; // a null key
            }
            long key =
                keyType == PrimitiveType.PrimitiveTypeName.INT64
                    ? g.getLong(1, 0)
                    : g.getInteger(1, 0);
            if (a[1] == 0) {
              a[1] = 1;
              a[2] = key;
              a[3] = key;
            } else {
              a[2] = Math.min(a[2], key);
              a[3] = Math.max(a[3], key);
            }
          }
        }
      }
    }
    List<ErrorReason> out = new ArrayList<>();
    byReason.forEach(
        (reason, a) -> {
          List<String> keys = new ArrayList<>();
          if (a[1] == 0) {
            keys.add(null);
          } else {
            keys.add(String.valueOf(a[2]));
            if (a[3] != a[2]) {
              keys.add(String.valueOf(a[3]));
            }
          }
          out.add(new ErrorReason(reason, a[0], keys));
        });
    out.sort(
        Comparator.comparingLong(ErrorReason::rows).reversed().thenComparing(ErrorReason::reason));
    return out.size() > MAX_REASONS ? List.copyOf(out.subList(0, MAX_REASONS)) : out;
  }

  /** The same in one Spark aggregation: count, smallest and largest key per reason. */
  private static List<ErrorReason> withSpark(ScoreResult result, String keyColumn) {
    Column reason = ColumnNames.column(JobConfigValidator.ERROR_REASON_COLUMN);
    Column key = ColumnNames.column(keyColumn);
    List<ErrorReason> out = new ArrayList<>();
    for (Row r :
        result
            .errors()
            .groupBy(reason)
            .agg(functions.count(functions.lit(1)).as("n"), functions.min(key), functions.max(key))
            .orderBy(ColumnNames.column("n").desc(), reason.asc())
            .limit(MAX_REASONS)
            .collectAsList()) {
      List<String> keys = new ArrayList<>();
      keys.add(r.isNullAt(2) ? null : String.valueOf(r.get(2)));
      if (!r.isNullAt(3) && !r.get(3).equals(r.get(2))) {
        keys.add(String.valueOf(r.get(3)));
      }
      out.add(new ErrorReason(r.getString(0), r.getLong(1), keys));
    }
    return out;
  }
}

package io.shardscore.job.score;

import io.shardscore.job.commit.WrittenFile;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.internal.SQLConf$;
import org.apache.spark.sql.types.StructType;

/**
 * Writes Spark rows of one schema to one Parquet file with Spark's own Parquet write support (so
 * Spark reads the file back exactly), opened lazily on the first row so that no empty files are
 * made. Records row count, size and CRC32C.
 */
final class ShardFileWriter implements AutoCloseable {
  private final Configuration conf;
  private final StructType schema;
  private final Map<String, String> constants;
  private final Path absolute;
  private final String relative;
  private ChecksummingOutputFile file;
  private ParquetWriter<InternalRow> writer;
  private long rows;

  /**
   * @param absolute where the file goes
   * @param relative how the manifest will name the file once committed
   * @param constants string columns to the value they hold in every row of the file (the provenance
   *     columns), which Parquet is handed as one value per file ({@link ConstantStrings})
   */
  ShardFileWriter(
      Configuration base,
      StructType schema,
      Path absolute,
      String relative,
      Map<String, String> constants) {
    this.conf = new Configuration(base);
    this.schema = schema;
    this.constants = Map.copyOf(constants);
    ParquetWriteSupport.setSchema(schema, conf);
    // Spark's write support reads these from the Hadoop conf, as Spark's own writer sets them.
    SQLConf$ sql = SQLConf$.MODULE$;
    conf.set(sql.PARQUET_WRITE_LEGACY_FORMAT().key(), "false");
    conf.set(sql.PARQUET_OUTPUT_TIMESTAMP_TYPE().key(), "TIMESTAMP_MICROS");
    conf.set(sql.PARQUET_FIELD_ID_WRITE_ENABLED().key(), "false");
    conf.set(sql.PARQUET_ANNOTATE_VARIANT_LOGICAL_TYPE().key(), "false");
    this.absolute = absolute;
    this.relative = relative;
  }

  void write(InternalRow row) throws IOException {
    if (writer == null) {
      FileSystem fs = absolute.getFileSystem(conf);
      file = new ChecksummingOutputFile(fs, absolute);
      writer =
          new Builder(file, schema, constants)
              .withConf(conf)
              .withCompressionCodec(CompressionCodecName.SNAPPY)
              // Honour the standard Hadoop property, as Spark's own writer does: an open row
              // group is the largest thing a scoring task holds in memory.
              .withRowGroupSize(
                  conf.getLong("parquet.block.size", ParquetWriter.DEFAULT_BLOCK_SIZE))
              .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.CREATE)
              .build();
    }
    writer.write(row);
    rows++;
  }

  long rows() {
    return rows;
  }

  /** Closes the file; returns what was written, or null if no row was. */
  WrittenFile finish() throws IOException {
    if (writer == null) {
      return null;
    }
    writer.close();
    writer = null;
    return new WrittenFile(relative, rows, file.length(), file.crc32cHex());
  }

  @Override
  public void close() throws IOException {
    if (writer != null) {
      writer.close();
      writer = null;
    }
  }

  private static final class Builder extends ParquetWriter.Builder<InternalRow, Builder> {
    private final StructType schema;
    private final Map<String, String> constants;

    Builder(OutputFile file, StructType schema, Map<String, String> constants) {
      super(file);
      this.schema = schema;
      this.constants = constants;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<InternalRow> getWriteSupport(Configuration conf) {
      return constants.isEmpty()
          ? new ParquetWriteSupport()
          : new ConstantStrings(new ParquetWriteSupport(), schema, constants);
    }
  }
}

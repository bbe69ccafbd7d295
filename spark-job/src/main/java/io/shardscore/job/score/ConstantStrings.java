package io.shardscore.job.score;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * Spark's Parquet write support for a file in which some string columns hold the same value in
 * every row (the provenance columns {@code model_digest} and {@code run_id} of a task's file). A
 * value equal to its column's constant reaches Parquet as one {@link Binary} made once per file, so
 * that Parquet's dictionary finds it by identity instead of comparing its bytes with the dictionary
 * entry on every row. Anything else passes through unchanged: what is written is always the row's
 * own value, the constant only saves work.
 */
final class ConstantStrings extends WriteSupport<InternalRow> {
  private final WriteSupport<InternalRow> spark;
  private final Binary[] constants;
  private final ByteBuffer[] bytes;

  /**
   * @param spark Spark's write support for {@code schema}
   * @param constants column name to the value it holds in every row
   */
  ConstantStrings(
      WriteSupport<InternalRow> spark, StructType schema, Map<String, String> constants) {
    this.spark = spark;
    this.constants = new Binary[schema.size()];
    this.bytes = new ByteBuffer[schema.size()];
    constants.forEach(
        (column, value) -> {
          int i = schema.fieldIndex(column);
          byte[] b = value.getBytes(StandardCharsets.UTF_8);
          this.constants[i] = Binary.fromConstantByteArray(b);
          this.bytes[i] = ByteBuffer.wrap(b).asReadOnlyBuffer();
        });
  }

  @Override
  public WriteContext init(Configuration configuration) {
    return spark.init(configuration);
  }

  @Override
  public void prepareForWrite(RecordConsumer consumer) {
    spark.prepareForWrite(new Consumer(consumer));
  }

  @Override
  public void write(InternalRow row) {
    spark.write(row);
  }

  @Override
  public FinalizedWriteContext finalizeWrite() {
    return spark.finalizeWrite();
  }

  @Override
  public String getName() {
    return spark.getName();
  }

  /** Hands Parquet the constant's Binary for a top-level value equal to it. */
  private final class Consumer extends RecordConsumer {
    private final RecordConsumer out;
    private int depth;
    private int field = -1;

    Consumer(RecordConsumer out) {
      this.out = out;
    }

    @Override
    public void addBinary(Binary value) {
      Binary c = depth == 1 && field >= 0 ? constants[field] : null;
      if (c != null && value.length() == c.length() && value.toByteBuffer().equals(bytes[field])) {
        out.addBinary(c);
      } else {
        out.addBinary(value);
      }
    }

    @Override
    public void startMessage() {
      depth = 0;
      out.startMessage();
    }

    @Override
    public void endMessage() {
      out.endMessage();
    }

    @Override
    public void startField(String name, int index) {
      depth++;
      if (depth == 1) {
        field = index;
      }
      out.startField(name, index);
    }

    @Override
    public void endField(String name, int index) {
      depth--;
      if (depth == 0) {
        field = -1;
      }
      out.endField(name, index);
    }

    @Override
    public void startGroup() {
      out.startGroup();
    }

    @Override
    public void endGroup() {
      out.endGroup();
    }

    @Override
    public void addInteger(int value) {
      out.addInteger(value);
    }

    @Override
    public void addLong(long value) {
      out.addLong(value);
    }

    @Override
    public void addBoolean(boolean value) {
      out.addBoolean(value);
    }

    @Override
    public void addFloat(float value) {
      out.addFloat(value);
    }

    @Override
    public void addDouble(double value) {
      out.addDouble(value);
    }

    @Override
    public void flush() {
      out.flush();
    }
  }
}

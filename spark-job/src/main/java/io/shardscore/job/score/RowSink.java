package io.shardscore.job.score;

import java.io.IOException;
import org.apache.spark.sql.catalyst.InternalRow;

/** Where finished output rows go: a Parquet file in a task, or nowhere in a benchmark. */
@FunctionalInterface
public interface RowSink {
  /** Takes one row; the row object may be reused by the caller after this returns. */
  void write(InternalRow row) throws IOException;
}

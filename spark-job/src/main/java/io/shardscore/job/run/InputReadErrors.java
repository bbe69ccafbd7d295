package io.shardscore.job.run;

import io.shardscore.job.error.Causes;
import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkThrowable;

/**
 * Spark's failures to read an input file whose column types differ from the input's schema, as
 * input errors that name the file, the column and both types. {@link InputTypes} refuses such
 * inputs from their footers before any Spark job; this covers what footers cannot show (a Dataset
 * input, other formats, footers that could not be listed), so no rerun is suggested for an error no
 * rerun can fix.
 */
final class InputReadErrors {
  private static final String TYPE_MISMATCH = "FAILED_READ_FILE.PARQUET_COLUMN_DATA_TYPE_MISMATCH";

  private InputReadErrors() {}

  /**
   * The input error behind {@code failure}, when Spark failed on a column type mismatch.
   *
   * @param input what the message calls the input: {@code input.path <path>} or the Dataset
   */
  static Optional<ShardscoreException> translate(Throwable failure, String input) {
    for (Throwable t : Causes.chain(failure)) {
      if (t instanceof SparkThrowable s && TYPE_MISMATCH.equals(s.getCondition())) {
        Map<String, String> p = s.getMessageParameters();
        return Optional.of(
            new ShardscoreException(
                ErrorKind.INPUT,
                "Spark could not read the file "
                    + p.get("path")
                    + " of "
                    + input
                    + ": its column "
                    + p.get("column")
                    + " has Parquet type "
                    + p.get("actualType")
                    + ", but the input's schema has "
                    + p.get("expectedType")
                    + " (Spark reads all files of an input with one type per column). Nothing was"
                    + " committed, and a rerun would fail the same way. Rewrite the odd files with"
                    + " a cast to one type, or move them out of the input.",
                failure));
      }
    }
    return Optional.empty();
  }
}

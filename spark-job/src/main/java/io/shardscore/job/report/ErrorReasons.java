package io.shardscore.job.report;

import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.row.ColumnNames;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Error counts by reason with sample keys, read from the committed {@code _errors} files of the
 * version a run committed. Task results count rejected rows per shard but not per reason, so the
 * reasons are read back, in one aggregation (count, smallest and largest key per reason: bounded
 * memory however many rows share a reason); the error budget keeps those files small, and nothing
 * is read when the version has no error rows.
 */
public final class ErrorReasons {
  /** Reasons the report lists, most frequent first. */
  public static final int MAX_REASONS = 20;

  private ErrorReasons() {}

  /** The reasons of {@code result}'s committed error rows; empty when it committed none. */
  public static List<ErrorReason> of(ScoreResult result, String keyColumn) {
    if (result.rowsRejected() == 0) {
      return List.of();
    }
    Dataset<Row> errors = result.errors();
    Column reason = ColumnNames.column(JobConfigValidator.ERROR_REASON_COLUMN);
    Column key = ColumnNames.column(keyColumn);
    List<ErrorReason> out = new ArrayList<>();
    errors
        .groupBy(reason)
        .agg(functions.count(functions.lit(1)).as("n"), functions.min(key), functions.max(key))
        .orderBy(ColumnNames.column("n").desc(), reason.asc())
        .limit(MAX_REASONS)
        .collectAsList()
        .forEach(
            r -> {
              List<String> keys = new ArrayList<>();
              keys.add(r.isNullAt(2) ? null : String.valueOf(r.get(2)));
              if (!r.isNullAt(3) && !r.get(3).equals(r.get(2))) {
                keys.add(String.valueOf(r.get(3)));
              }
              out.add(new ErrorReason(r.getString(0), r.getLong(1), keys));
            });
    return out;
  }
}

package io.shardscore.job.report;

import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.row.ColumnNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * Error counts by reason with a few sample keys, read from the committed {@code _errors} files of
 * the version a run committed. Task results count rejected rows per shard but not per reason, so
 * the reasons are read back; the error budget keeps those files small, and nothing is read when the
 * version has no error rows.
 */
public final class ErrorReasons {
  /** Reasons the report lists, most frequent first. */
  public static final int MAX_REASONS = 20;

  /** Sample keys per reason. */
  public static final int SAMPLES = 3;

  private ErrorReasons() {}

  /** The reasons of {@code result}'s committed error rows; empty when it committed none. */
  public static List<ErrorReason> of(ScoreResult result, String keyColumn) {
    if (result.rowsRejected() == 0) {
      return List.of();
    }
    Dataset<Row> errors = result.errors();
    Column reason = ColumnNames.column(JobConfigValidator.ERROR_REASON_COLUMN);
    Column key = ColumnNames.column(keyColumn);
    Map<String, Long> counts = new LinkedHashMap<>();
    errors
        .groupBy(reason)
        .count()
        .orderBy(ColumnNames.column("count").desc(), reason.asc())
        .limit(MAX_REASONS)
        .collectAsList()
        .forEach(r -> counts.put(r.getString(0), r.getLong(1)));
    // The smallest few keys of each reason: a window limited per reason, never a whole list.
    Column r = ColumnNames.column("r");
    Column k = ColumnNames.column("k");
    Column n = ColumnNames.column("n");
    Map<String, List<String>> samples = new LinkedHashMap<>();
    errors
        .select(reason.as("r"), key.as("k"))
        .withColumn(
            "n", functions.row_number().over(Window.partitionBy(r).orderBy(k.asc_nulls_first())))
        .where(n.leq(SAMPLES))
        .orderBy(r, n)
        .collectAsList()
        .forEach(
            row ->
                samples
                    .computeIfAbsent(row.getString(0), x -> new ArrayList<>())
                    .add(row.isNullAt(1) ? null : String.valueOf(row.get(1))));
    List<ErrorReason> out = new ArrayList<>();
    counts.forEach(
        (text, rows) ->
            out.add(new ErrorReason(text, rows, samples.getOrDefault(text, List.of()))));
    return out;
  }
}

package io.shardscore.job.run;

import io.shardscore.job.config.InputConfig;
import io.shardscore.job.error.Causes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The snapshot of a catalog table a run reads, and what to tell a user whose table cannot be read.
 * A table format that names its current snapshot in its table properties (Iceberg's {@code
 * current-snapshot-id}) is pinned to it for the run: the census and the scoring stage then read the
 * same rows even while a writer appends, and the manifest records which snapshot was scored. Other
 * tables (Delta by name, Hive, views) are read at their latest state, unpinned; a change between
 * census and scoring then fails the run with nothing committed (rows that do not add up).
 */
final class TableSnapshot {
  /** The table property Iceberg's Spark tables expose with the current snapshot's id. */
  static final String ICEBERG_CURRENT_SNAPSHOT = "current-snapshot-id";

  private TableSnapshot() {}

  /** The table's current snapshot id when its properties say, else null. */
  static String current(SparkSession spark, String table) {
    List<Row> props;
    try {
      props = spark.sql("SHOW TBLPROPERTIES " + table).collectAsList();
    } catch (Exception e) { // the read that follows names what is wrong with the table
      return null;
    }
    for (Row r : props) {
      if (ICEBERG_CURRENT_SNAPSHOT.equals(r.getString(0))) {
        String id = r.getString(1);
        return id == null || id.equals("none") || id.isBlank() ? null : id;
      }
    }
    return null;
  }

  /** The message for a table that could not be read at {@code version}. */
  static String explain(SparkSession spark, InputConfig in, String version, Exception e) {
    String root = Causes.rootMessage(e);
    String lower = root.toLowerCase(Locale.ROOT);
    if (lower.contains("table_or_view_not_found") || lower.contains("cannot be found")) {
      return "input.table "
          + in.table()
          + " does not exist: "
          + firstLine(root)
          + " Catalogs of this session: "
          + catalogs(spark)
          + ". Check the name (catalog.db.table), and that the catalog is configured"
          + " (spark.sql.catalog.<name>=...) with its jars on the classpath.";
    }
    if (version != null
        && (lower.contains("snapshot")
            || lower.contains("version")
            || lower.contains("time travel")
            || lower.contains("timetravel"))) {
      return "input.version "
          + version
          + " of input.table "
          + in.table()
          + " cannot be read: "
          + firstLine(root)
          + " List the table's snapshots (Iceberg: SELECT snapshot_id FROM "
          + in.table()
          + ".snapshots; Delta: DESCRIBE HISTORY) and choose one of them, or remove"
          + " input.version to read the current one.";
    }
    if (in.where() != null
        && (lower.contains("unresolved_column")
            || lower.contains("parse_syntax_error")
            || lower.contains("datatype_mismatch"))) {
      return "input.where '"
          + in.where()
          + "' on input.table "
          + in.table()
          + " is not a valid filter: "
          + firstLine(root)
          + " Write a SQL condition over the table's columns, e.g. region = 'emea'.";
    }
    return "Cannot read input.table "
        + in.table()
        + (version == null ? "" : " at version " + version)
        + ": "
        + firstLine(root)
        + " Check the table and its catalog's settings.";
  }

  private static String catalogs(SparkSession spark) {
    List<String> names = new ArrayList<>();
    try {
      for (Row r : spark.sql("SHOW CATALOGS").collectAsList()) {
        names.add(r.getString(0));
      }
    } catch (Exception e) {
      return "(cannot list them: " + e.getMessage() + ")";
    }
    return String.join(", ", names);
  }

  private static String firstLine(String message) {
    String line = message.split("\n")[0].trim();
    return line.endsWith(".") ? line : line + ".";
  }
}

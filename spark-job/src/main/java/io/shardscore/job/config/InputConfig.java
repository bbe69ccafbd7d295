package io.shardscore.job.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code input:} where the rows to score come from: files under a path, or a table of the session's
 * catalogs. Defaults and allowed values of each component are declared in {@link Settings}.
 *
 * @param path a file system path or URI ({@code file:}, {@code hdfs:}, {@code s3a:}); a plain path
 *     is resolved by Hadoop's default file system; null when {@code table} is set
 * @param format a Spark data source name, for a path
 * @param options options for Spark's reader ({@code header: true} for CSV...), in the order
 *     written; checked by {@link InputOptions}
 * @param table a table name, {@code catalog.db.table} or {@code db.table}, instead of a path
 * @param where a SQL filter on the table's rows, pushed down to the table's scan
 * @param version the table snapshot or version to read (Spark's {@code versionAsOf}); default the
 *     table's current one, pinned for the run where the table says which it is
 */
public record InputConfig(
    String path,
    String format,
    Map<String, String> options,
    String table,
    String where,
    String version)
    implements Serializable {
  public InputConfig {
    format = Settings.INPUT_FORMAT.orDefault(format);
    options =
        options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }

  /** A path read with a format and no reader options. */
  public InputConfig(String path, String format) {
    this(path, format, null, null, null, null);
  }

  /** True when the input is a catalog table rather than a path. */
  public boolean isTable() {
    return table != null && !table.isBlank();
  }
}

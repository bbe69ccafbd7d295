package io.shardscore.job.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code input:} where the rows to score come from. Defaults and allowed values of each component
 * are declared in {@link Settings}.
 *
 * @param path a file system path or URI ({@code file:}, {@code hdfs:}, {@code s3a:}); a plain path
 *     is resolved by Hadoop's default file system
 * @param format a Spark data source name
 * @param options options for Spark's reader ({@code header: true} for CSV...), in the order
 *     written; checked by {@link InputOptions}
 */
public record InputConfig(String path, String format, Map<String, String> options)
    implements Serializable {
  public InputConfig {
    format = Settings.INPUT_FORMAT.orDefault(format);
    options =
        options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }

  /** A path read with a format and no reader options. */
  public InputConfig(String path, String format) {
    this(path, format, null);
  }
}

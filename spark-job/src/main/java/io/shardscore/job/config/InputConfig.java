package io.shardscore.job.config;

import java.io.Serializable;

/**
 * {@code input:} where the rows to score come from.
 *
 * @param path a file system path or URI ({@code file:}, {@code hdfs:}, {@code s3a:}); a plain path
 *     is resolved by Hadoop's default file system
 * @param format a Spark data source name; {@code parquet} by default
 */
public record InputConfig(String path, String format) implements Serializable {
  public InputConfig {
    format = format == null ? "parquet" : format;
  }
}

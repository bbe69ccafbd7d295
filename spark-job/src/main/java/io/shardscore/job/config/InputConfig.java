package io.shardscore.job.config;

import java.io.Serializable;

/**
 * {@code input:} where the rows to score come from. Defaults and allowed values of each component
 * are declared in {@link Settings}.
 *
 * @param path a file system path or URI ({@code file:}, {@code hdfs:}, {@code s3a:}); a plain path
 *     is resolved by Hadoop's default file system
 * @param format a Spark data source name
 */
public record InputConfig(String path, String format) implements Serializable {
  public InputConfig {
    format = Settings.INPUT_FORMAT.orDefault(format);
  }
}

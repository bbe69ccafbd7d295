package io.shardscore.job.config;

import java.io.Serializable;

/**
 * {@code output:} where committed results go.
 *
 * @param path the output root; results land under {@code shard=<name>/}, rejected rows under {@code
 *     _errors/shard=<name>/}, the manifest under {@code _shardscore/}
 * @param mode {@code error-if-exists} (default), {@code overwrite} or {@code incremental}
 * @param retention how long superseded files stay for readers of older versions; {@code 0}
 *     (default) deletes them right after the commit
 */
public record OutputConfig(String path, String mode, String retention) implements Serializable {
  public OutputConfig {
    mode = mode == null ? OutputMode.ERROR_IF_EXISTS.configName() : mode;
    retention = retention == null ? "0" : retention;
  }

  public OutputConfig(String path, String mode) {
    this(path, mode, null);
  }

  public java.time.Duration retentionPeriod() {
    return Retention.parse(retention);
  }

  public OutputMode outputMode() {
    return OutputMode.parse(mode);
  }
}

package io.shardscore.job.config;

import java.io.Serializable;

/**
 * {@code output:} where committed results go. Defaults and allowed values of each component are
 * declared in {@link Settings}.
 *
 * @param path the output root; results land under {@code shard=<name>/}, rejected rows under {@code
 *     _errors/shard=<name>/}, the manifest under {@code _shardscore/}
 * @param mode {@code error-if-exists}, {@code overwrite} or {@code incremental}
 * @param retention how long superseded files stay for readers of older versions; {@code 0} deletes
 *     them right after the commit
 * @param table a catalog table ({@code catalog.db.name}) kept equal to the committed scored rows,
 *     refreshed at each commit; null for none
 */
public record OutputConfig(String path, String mode, String retention, String table)
    implements Serializable {
  public OutputConfig {
    mode = Settings.OUTPUT_MODE.orDefault(mode);
    retention = Settings.OUTPUT_RETENTION.orDefault(retention);
  }

  public OutputConfig(String path, String mode, String retention) {
    this(path, mode, retention, null);
  }

  public OutputConfig(String path, String mode) {
    this(path, mode, null, null);
  }

  /** True when the committed rows are also registered as a catalog table. */
  public boolean hasTable() {
    return table != null && !table.isBlank();
  }

  /** The retention as a duration; throws a {@link JobConfigException} when it is not one. */
  public java.time.Duration retentionPeriod() {
    return Retention.parse(retention, Settings.OUTPUT_RETENTION.key());
  }

  /** The mode; throws a {@link JobConfigException} when it names none. */
  public OutputMode outputMode() {
    return Choices.parse(Settings.OUTPUT_MODE, mode, OutputMode.class);
  }
}

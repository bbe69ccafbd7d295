package io.shardscore.job.config;

import java.io.Serializable;

/**
 * {@code output:} where committed results go.
 *
 * @param path the output root; results land under {@code shard=<name>/}, rejected rows under {@code
 *     _errors/shard=<name>/}, the manifest under {@code _shardscore/}
 * @param mode {@code error-if-exists} (default) or {@code overwrite}
 */
public record OutputConfig(String path, String mode) implements Serializable {
  public OutputConfig {
    mode = mode == null ? OutputMode.ERROR_IF_EXISTS.configName() : mode;
  }

  public OutputMode outputMode() {
    return OutputMode.parse(mode);
  }
}

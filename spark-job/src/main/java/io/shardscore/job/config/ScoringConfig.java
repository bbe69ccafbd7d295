package io.shardscore.job.config;

import java.io.Serializable;
import java.util.List;

/**
 * {@code scoring:} how partitions are scored.
 *
 * @param batchSize rows per model call; 1024 by default
 * @param passthrough input columns copied to the output; all input columns when absent
 * @param maxErrorFraction largest share of rows allowed in {@code _errors} before the run refuses
 *     to commit; 0.01 by default
 */
public record ScoringConfig(Integer batchSize, List<String> passthrough, Double maxErrorFraction)
    implements Serializable {
  public static final int DEFAULT_BATCH_SIZE = 1024;
  public static final double DEFAULT_MAX_ERROR_FRACTION = 0.01;

  public ScoringConfig {
    batchSize = batchSize == null ? DEFAULT_BATCH_SIZE : batchSize;
    passthrough = passthrough == null ? null : List.copyOf(passthrough);
    maxErrorFraction = maxErrorFraction == null ? DEFAULT_MAX_ERROR_FRACTION : maxErrorFraction;
  }

  public static ScoringConfig defaults() {
    return new ScoringConfig(null, null, null);
  }
}

package io.shardscore.job.config;

import io.shardscore.model.BatchingSettings;
import io.shardscore.model.DevicePolicy;
import java.io.Serializable;
import java.util.List;

/**
 * {@code scoring:} how partitions are scored. Each component is the setting of the same key in
 * {@link Settings} ({@code batchSize} is {@code scoring.batch-size}), which gives its default,
 * allowed values and doc; a null component takes the default.
 */
public record ScoringConfig(
    Integer batchSize,
    List<String> passthrough,
    Double maxErrorFraction,
    String device,
    String batching,
    Integer queueMaxRows,
    Integer queueMaxWaitMs,
    Double gpusPerTask,
    String progressInterval)
    implements Serializable {
  public ScoringConfig {
    batchSize = Settings.BATCH_SIZE.orDefault(batchSize);
    passthrough = passthrough == null ? null : List.copyOf(passthrough);
    maxErrorFraction = Settings.MAX_ERROR_FRACTION.orDefault(maxErrorFraction);
    device = Settings.DEVICE.orDefault(device);
    batching = Settings.BATCHING.orDefault(batching);
    queueMaxRows = Settings.QUEUE_MAX_ROWS.orDefault(queueMaxRows);
    queueMaxWaitMs = Settings.QUEUE_MAX_WAIT_MS.orDefault(queueMaxWaitMs);
    progressInterval = Settings.PROGRESS_INTERVAL.orDefault(progressInterval);
  }

  public ScoringConfig(Integer batchSize, List<String> passthrough, Double maxErrorFraction) {
    this(batchSize, passthrough, maxErrorFraction, null, null, null, null, null, null);
  }

  public static ScoringConfig defaults() {
    return new ScoringConfig(null, null, null);
  }

  public ScoringConfig withBatching(String mode) {
    return new ScoringConfig(
        batchSize,
        passthrough,
        maxErrorFraction,
        device,
        mode,
        queueMaxRows,
        queueMaxWaitMs,
        gpusPerTask,
        progressInterval);
  }

  /** The progress interval; throws a {@link JobConfigException} when it is not a duration. */
  public java.time.Duration progressEvery() {
    return Retention.parse(
        progressInterval, Settings.PROGRESS_INTERVAL.key(), Settings.PROGRESS_FIX);
  }

  /** The device policy; throws a {@link JobConfigException} when {@code device} names none. */
  public DevicePolicy devicePolicy() {
    return Choices.parse(Settings.DEVICE, device, DevicePolicy.class);
  }

  /** Who calls the model; throws a {@link JobConfigException} when {@code batching} names none. */
  public Batching batchingMode() {
    return Choices.parse(Settings.BATCHING, batching, Batching.class);
  }

  /** The queue's settings, or null when tasks call the model directly. */
  public BatchingSettings queueSettings() {
    return batchingMode() == Batching.QUEUE
        ? new BatchingSettings(queueMaxRows, queueMaxWaitMs * 1000L)
        : null;
  }
}

package io.shardscore.job.config;

import io.shardscore.model.BatchingSettings;
import io.shardscore.model.DevicePolicy;
import java.io.Serializable;
import java.util.List;

/**
 * {@code scoring:} how partitions are scored.
 *
 * @param batchSize rows per model call; 1024 by default
 * @param passthrough input columns copied to the output; all input columns when absent
 * @param maxErrorFraction largest share of rows allowed in {@code _errors} before the run refuses
 *     to commit; 0.01 by default
 * @param device {@code cpu} (default), {@code gpu} or {@code auto}
 * @param batching {@code per-task} (default: each task calls the shared model with its own batches)
 *     or {@code queue} (one queue per model and device coalesces the tasks' batches)
 * @param queueMaxRows the most rows one coalesced call takes; 8192 by default
 * @param queueMaxWaitMs how long the queue waits to fill a call once it holds a batch; 2 by default
 * @param gpusPerTask when set, the scoring stage runs under its own Spark task resource profile
 *     asking this many GPUs per task (e.g. 0.25: four tasks share one GPU)
 */
public record ScoringConfig(
    Integer batchSize,
    List<String> passthrough,
    Double maxErrorFraction,
    String device,
    String batching,
    Integer queueMaxRows,
    Integer queueMaxWaitMs,
    Double gpusPerTask)
    implements Serializable {
  public static final int DEFAULT_BATCH_SIZE = 1024;
  public static final double DEFAULT_MAX_ERROR_FRACTION = 0.01;
  public static final String PER_TASK = "per-task";
  public static final String QUEUE = "queue";

  public ScoringConfig {
    batchSize = batchSize == null ? DEFAULT_BATCH_SIZE : batchSize;
    passthrough = passthrough == null ? null : List.copyOf(passthrough);
    maxErrorFraction = maxErrorFraction == null ? DEFAULT_MAX_ERROR_FRACTION : maxErrorFraction;
    device = device == null ? "cpu" : device;
    batching = batching == null ? PER_TASK : batching;
    queueMaxRows = queueMaxRows == null ? 8192 : queueMaxRows;
    queueMaxWaitMs = queueMaxWaitMs == null ? 2 : queueMaxWaitMs;
  }

  public ScoringConfig(Integer batchSize, List<String> passthrough, Double maxErrorFraction) {
    this(batchSize, passthrough, maxErrorFraction, null, null, null, null, null);
  }

  public static ScoringConfig defaults() {
    return new ScoringConfig(null, null, null);
  }

  public ScoringConfig withBatchSize(int rows) {
    return new ScoringConfig(
        rows,
        passthrough,
        maxErrorFraction,
        device,
        batching,
        queueMaxRows,
        queueMaxWaitMs,
        gpusPerTask);
  }

  public ScoringConfig withPassthrough(List<String> columns) {
    return new ScoringConfig(
        batchSize,
        columns,
        maxErrorFraction,
        device,
        batching,
        queueMaxRows,
        queueMaxWaitMs,
        gpusPerTask);
  }

  public ScoringConfig withMaxErrorFraction(double fraction) {
    return new ScoringConfig(
        batchSize,
        passthrough,
        fraction,
        device,
        batching,
        queueMaxRows,
        queueMaxWaitMs,
        gpusPerTask);
  }

  public ScoringConfig withDevice(String policy) {
    return new ScoringConfig(
        batchSize,
        passthrough,
        maxErrorFraction,
        policy,
        batching,
        queueMaxRows,
        queueMaxWaitMs,
        gpusPerTask);
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
        gpusPerTask);
  }

  public ScoringConfig withGpusPerTask(Double gpus) {
    return new ScoringConfig(
        batchSize,
        passthrough,
        maxErrorFraction,
        device,
        batching,
        queueMaxRows,
        queueMaxWaitMs,
        gpus);
  }

  /** The device policy; valid after validation. */
  public DevicePolicy devicePolicy() {
    return DevicePolicy.parse(device);
  }

  /** The queue's settings, or null when tasks call the model directly. */
  public BatchingSettings queueSettings() {
    return QUEUE.equals(batching)
        ? new BatchingSettings(queueMaxRows, queueMaxWaitMs * 1000L)
        : null;
  }
}

package io.shardscore.job.report;

/**
 * Bytes Spark's stages of one run moved, summed from Spark's task metrics.
 *
 * @param bytesRead input bytes read by tasks
 * @param shuffleBytesWritten bytes written to shuffle files (placement)
 * @param shuffleBytesRead bytes read back from shuffle files
 * @param bytesWritten output bytes tasks wrote
 */
public record StageIo(
    long bytesRead, long shuffleBytesWritten, long shuffleBytesRead, long bytesWritten) {
  public static final StageIo NONE = new StageIo(0, 0, 0, 0);
}

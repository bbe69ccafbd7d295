package io.shardscore.model;

import java.time.Duration;

/**
 * How much the {@link ModelCache} keeps: at most {@code maxBytes} of model copies, evicting the
 * least recently used first, but never a copy used within {@code inUseWindow} (another JVM of the
 * host may be loading from it) nor the copy just made. Half-written copies older than the window (a
 * JVM died while copying) are removed too.
 *
 * <p>Set per JVM with {@code -Dshardscore.model-cache.max-bytes=N} (bytes, with an optional {@code
 * k}, {@code m}, {@code g} suffix; default 8g) and {@code
 * -Dshardscore.model-cache.in-use-minutes=N} (default 60); on executors through {@code
 * spark.executor.extraJavaOptions}.
 */
public record CacheLimits(long maxBytes, Duration inUseWindow) {
  static final String MAX_BYTES = "shardscore.model-cache.max-bytes";
  static final String IN_USE_MINUTES = "shardscore.model-cache.in-use-minutes";

  public CacheLimits {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0: " + maxBytes);
    }
    if (inUseWindow == null || inUseWindow.isNegative()) {
      throw new IllegalArgumentException("inUseWindow must be >= 0: " + inUseWindow);
    }
  }

  /** The limits this JVM's system properties set, or the defaults. */
  public static CacheLimits fromSystemProperties() {
    return parse(System.getProperty(MAX_BYTES), System.getProperty(IN_USE_MINUTES));
  }

  /** The limits the two settings' texts give; null means the default. */
  static CacheLimits parse(String maxBytes, String inUseMinutes) {
    return new CacheLimits(
        bytes(maxBytes == null ? "8g" : maxBytes),
        Duration.ofMinutes(minutes(inUseMinutes == null ? "60" : inUseMinutes)));
  }

  private static long bytes(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    long unit = 1;
    if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
      unit = t.endsWith("k") ? 1L << 10 : t.endsWith("m") ? 1L << 20 : 1L << 30;
      t = t.substring(0, t.length() - 1);
    }
    try {
      long bytes = Math.multiplyExact(Long.parseLong(t.trim()), unit);
      if (bytes >= 0) {
        return bytes;
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // below
    }
    throw new ModelLoadException(
        "-D" + MAX_BYTES + " is '" + text + "'; give a byte count such as 8g, 500m or 1048576.");
  }

  private static long minutes(String text) {
    try {
      long m = Long.parseLong(text.trim());
      if (m >= 0) {
        return m;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new ModelLoadException(
        "-D" + IN_USE_MINUTES + " is '" + text + "'; give a whole number of minutes, such as 60.");
  }
}

package io.shardscore.model;

import java.util.Locale;

/** Where a task runs its model: on the CPU, on the GPU Spark assigned it, or GPU when possible. */
public enum DevicePolicy {
  /** Always the CPU, whatever Spark assigned. */
  CPU,
  /**
   * The GPU Spark assigned to the task; fail fast when there is none or the engine cannot use it.
   */
  GPU,
  /** The assigned GPU when the engine can use it, else the CPU (one warning per executor). */
  AUTO;

  /** Parses {@code cpu}, {@code gpu} or {@code auto}; null when the text is none of them. */
  public static DevicePolicy parse(String text) {
    if (text == null) {
      return null;
    }
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "cpu" -> CPU;
      case "gpu" -> GPU;
      case "auto" -> AUTO;
      default -> null;
    };
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

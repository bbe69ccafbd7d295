package io.shardscore.model;

import java.util.List;

/**
 * The device a task's model runs on, decided from the policy, the GPU addresses Spark assigned the
 * task, and how many GPUs the engine can use in this JVM. The assigned address (Spark's logical
 * slot) is kept apart from the device actually used, so a fallback is visible in metrics.
 *
 * @param assigned the GPU address Spark assigned, or null when none
 * @param gpu the engine's GPU index the model runs on, or -1 for the CPU
 * @param fallback why a GPU policy ended on the CPU, or null
 */
public record DeviceChoice(String assigned, int gpu, String fallback) {

  public static DeviceChoice cpu() {
    return new DeviceChoice(null, -1, null);
  }

  public boolean onGpu() {
    return gpu >= 0;
  }

  /** The actual device in DJL's notation: {@code cpu()} or {@code gpu(N)}. */
  public String device() {
    return onGpu() ? "gpu(" + gpu + ")" : "cpu()";
  }

  /** One line for logs, metrics and the summary: {@code gpu 1 -> cpu() (engine has no CUDA)}. */
  public String describe() {
    return (assigned == null ? "no gpu" : "gpu " + assigned)
        + " -> "
        + device()
        + (fallback == null ? "" : " (" + fallback + ")");
  }

  /**
   * Decides the device.
   *
   * @param policy the job's device policy
   * @param assignedGpus addresses Spark assigned this task (TaskContext resources "gpu"), maybe
   *     empty
   * @param engineGpus GPUs the engine can use in this JVM (0 for a CPU-only engine build)
   * @param engine the engine's name, for messages
   * @param setting the setting the policy came from, for messages (the batch job's is {@code
   *     scoring.device})
   * @throws DeviceUnavailableException when the policy is {@code gpu} and no GPU can be used
   */
  public static DeviceChoice choose(
      DevicePolicy policy,
      List<String> assignedGpus,
      int engineGpus,
      String engine,
      String setting) {
    String assigned = assignedGpus.isEmpty() ? null : assignedGpus.get(0);
    if (policy == DevicePolicy.CPU) {
      return new DeviceChoice(assigned, -1, null);
    }
    if (assigned == null) {
      if (policy == DevicePolicy.GPU) {
        throw new DeviceUnavailableException(
            setting
                + " is gpu, but Spark assigned this task no GPU. Request GPUs with"
                + " spark.executor.resource.gpu.amount and spark.task.resource.gpu.amount (and a"
                + " discovery script), or set "
                + setting
                + ": auto to run on the CPU where none is assigned.");
      }
      return new DeviceChoice(null, -1, "no GPU assigned by Spark");
    }
    if (engineGpus <= 0) {
      String why =
          "engine "
              + engine
              + " sees no usable GPU in this JVM (a CPU-only build, or no CUDA driver)";
      if (policy == DevicePolicy.GPU) {
        throw new DeviceUnavailableException(
            setting
                + " is gpu and Spark assigned GPU "
                + assigned
                + ", but the "
                + why
                + ". Build with -Pgpu (onnxruntime_gpu) and run on hosts with the NVIDIA driver,"
                + " or set "
                + setting
                + ": auto to fall back to the CPU.");
      }
      return new DeviceChoice(assigned, -1, why);
    }
    int index;
    try {
      index = Integer.parseInt(assigned.trim());
    } catch (NumberFormatException e) {
      index = -1;
    }
    if (index < 0 || index >= engineGpus) {
      String why =
          "Spark's GPU address '"
              + assigned
              + "' is not a device index the engine knows (it sees "
              + engineGpus
              + " GPU"
              + (engineGpus == 1 ? "" : "s")
              + "); make the discovery script report CUDA indices as seen by this process";
      if (policy == DevicePolicy.GPU) {
        throw new DeviceUnavailableException(setting + " is gpu, but " + why + ".");
      }
      return new DeviceChoice(assigned, -1, why);
    }
    return new DeviceChoice(assigned, index, null);
  }
}

package io.shardscore.job.score;

import io.shardscore.model.DeviceChoice;
import io.shardscore.model.DevicePolicy;
import io.shardscore.model.ModelSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Picks the device of one task from the job's policy and the GPU addresses Spark assigned the task
 * ({@code TaskContext.resources()}), never from "GPU 0 for everyone". A fallback to the CPU is
 * logged once per executor JVM and reason.
 */
final class DeviceSelection {
  private static final Logger LOG = LogManager.getLogger(DeviceSelection.class);
  private static final Map<String, Boolean> WARNED = new ConcurrentHashMap<>();
  private static final Map<String, Integer> ENGINE_GPUS = new ConcurrentHashMap<>();

  private DeviceSelection() {}

  static DeviceChoice forTask(TaskContext context, DevicePolicy policy, ModelSpec model) {
    List<String> assigned = assignedGpus(context);
    int engineGpus =
        policy == DevicePolicy.CPU || assigned.isEmpty()
            ? 0
            : ENGINE_GPUS.computeIfAbsent(
                model.engine().djlName(), name -> model.engine().gpuCount());
    DeviceChoice choice =
        DeviceChoice.choose(
            policy, assigned, engineGpus, model.engine().djlName(), "scoring.device");
    if (choice.fallback() != null && WARNED.putIfAbsent(choice.fallback(), true) == null) {
      if (choice.assigned() != null) {
        LOG.warn(
            "scoring.device is {}: Spark assigned GPU {}, but the model runs on the CPU: {}."
                + " (Logged once per executor.)",
            policy.configName(),
            choice.assigned(),
            choice.fallback());
      } else {
        LOG.info(
            "scoring.device is {}: {}, scoring on the CPU. (Logged once per executor.)",
            policy.configName(),
            choice.fallback());
      }
    }
    return choice;
  }

  /** The GPU addresses Spark assigned this task, in Spark's order; empty when none. */
  static List<String> assignedGpus(TaskContext context) {
    if (context == null) {
      return List.of();
    }
    ResourceInformation gpus = context.resourcesJMap().get("gpu");
    return gpus == null ? List.of() : Arrays.asList(gpus.addresses());
  }
}

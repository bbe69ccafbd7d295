package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {
  private static final String ORT = "OnnxRuntime";

  /** A caller's name for the policy setting (the batch job passes scoring.device). */
  private static final String SETTING = "serving.device";

  @Test
  void cpuIgnoresAnAssignedGpuButRecordsIt() {
    DeviceChoice c = DeviceChoice.choose(DevicePolicy.CPU, List.of("1"), 2, ORT, SETTING);
    assertEquals("cpu()", c.device());
    assertEquals("1", c.assigned());
    assertNull(c.fallback());
  }

  @Test
  void gpuUsesTheAssignedAddressAsTheEngineDevice() {
    DeviceChoice c = DeviceChoice.choose(DevicePolicy.GPU, List.of("1"), 2, ORT, SETTING);
    assertEquals("gpu(1)", c.device());
    assertEquals("gpu 1 -> gpu(1)", c.describe());
    assertEquals(
        "gpu(0)", DeviceChoice.choose(DevicePolicy.AUTO, List.of("0"), 1, ORT, SETTING).device());
  }

  @Test
  void gpuFailsWithoutAnAssignmentOrWithoutCudaAndSaysWhatToChange() {
    DeviceUnavailableException none =
        assertThrows(
            DeviceUnavailableException.class,
            () -> DeviceChoice.choose(DevicePolicy.GPU, List.of(), 2, ORT, SETTING));
    assertTrue(none.getMessage().contains("spark.task.resource.gpu.amount"), none.getMessage());
    DeviceUnavailableException noCuda =
        assertThrows(
            DeviceUnavailableException.class,
            () -> DeviceChoice.choose(DevicePolicy.GPU, List.of("0"), 0, ORT, SETTING));
    assertTrue(noCuda.getMessage().contains("assigned GPU 0"), noCuda.getMessage());
    assertTrue(noCuda.getMessage().contains("-Pgpu"), noCuda.getMessage());
    DeviceUnavailableException badIndex =
        assertThrows(
            DeviceUnavailableException.class,
            () -> DeviceChoice.choose(DevicePolicy.GPU, List.of("3"), 2, ORT, SETTING));
    // Each message names the caller's setting, and no setting of the batch job's.
    for (DeviceUnavailableException e : List.of(none, noCuda, badIndex)) {
      assertTrue(e.getMessage().startsWith("serving.device is gpu"), e.getMessage());
      assertTrue(!e.getMessage().contains("scoring."), e.getMessage());
    }
    assertTrue(none.getMessage().contains("set serving.device: auto"), none.getMessage());
    assertTrue(noCuda.getMessage().contains("set serving.device: auto"), noCuda.getMessage());
  }

  @Test
  void autoFallsBackToTheCpuAndSaysWhy() {
    DeviceChoice noGpu = DeviceChoice.choose(DevicePolicy.AUTO, List.of(), 2, ORT, SETTING);
    assertEquals("cpu()", noGpu.device());
    assertEquals("no GPU assigned by Spark", noGpu.fallback());
    DeviceChoice noCuda = DeviceChoice.choose(DevicePolicy.AUTO, List.of("1"), 0, ORT, SETTING);
    assertEquals("cpu()", noCuda.device());
    assertEquals("1", noCuda.assigned());
    assertTrue(
        noCuda.describe().startsWith("gpu 1 -> cpu() (engine OnnxRuntime sees no usable GPU"));
    DeviceChoice notAnIndex =
        DeviceChoice.choose(DevicePolicy.AUTO, List.of("GPU-uuid"), 1, ORT, SETTING);
    assertEquals("cpu()", notAnIndex.device());
  }

  @Test
  void policiesParseFromConfigText() {
    assertEquals(DevicePolicy.AUTO, DevicePolicy.parse(" Auto "));
    assertNull(DevicePolicy.parse("tpu"));
  }
}

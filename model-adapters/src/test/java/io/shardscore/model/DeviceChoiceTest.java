package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {
  private static final String ORT = "OnnxRuntime";

  @Test
  void cpuIgnoresAnAssignedGpuButRecordsIt() {
    DeviceChoice c = DeviceChoice.choose(DevicePolicy.CPU, List.of("1"), 2, ORT);
    assertEquals("cpu()", c.device());
    assertEquals("1", c.assigned());
    assertNull(c.fallback());
  }

  @Test
  void gpuUsesTheAssignedAddressAsTheEngineDevice() {
    DeviceChoice c = DeviceChoice.choose(DevicePolicy.GPU, List.of("1"), 2, ORT);
    assertEquals("gpu(1)", c.device());
    assertEquals("gpu 1 -> gpu(1)", c.describe());
    assertEquals("gpu(0)", DeviceChoice.choose(DevicePolicy.AUTO, List.of("0"), 1, ORT).device());
  }

  @Test
  void gpuFailsWithoutAnAssignmentOrWithoutCudaAndSaysWhatToChange() {
    DeviceUnavailableException none =
        assertThrows(
            DeviceUnavailableException.class,
            () -> DeviceChoice.choose(DevicePolicy.GPU, List.of(), 2, ORT));
    assertTrue(none.getMessage().contains("spark.task.resource.gpu.amount"), none.getMessage());
    DeviceUnavailableException noCuda =
        assertThrows(
            DeviceUnavailableException.class,
            () -> DeviceChoice.choose(DevicePolicy.GPU, List.of("0"), 0, ORT));
    assertTrue(noCuda.getMessage().contains("assigned GPU 0"), noCuda.getMessage());
    assertTrue(noCuda.getMessage().contains("-Pgpu"), noCuda.getMessage());
    assertThrows(
        DeviceUnavailableException.class,
        () -> DeviceChoice.choose(DevicePolicy.GPU, List.of("3"), 2, ORT));
  }

  @Test
  void autoFallsBackToTheCpuAndSaysWhy() {
    DeviceChoice noGpu = DeviceChoice.choose(DevicePolicy.AUTO, List.of(), 2, ORT);
    assertEquals("cpu()", noGpu.device());
    assertEquals("no GPU assigned by Spark", noGpu.fallback());
    DeviceChoice noCuda = DeviceChoice.choose(DevicePolicy.AUTO, List.of("1"), 0, ORT);
    assertEquals("cpu()", noCuda.device());
    assertEquals("1", noCuda.assigned());
    assertTrue(
        noCuda.describe().startsWith("gpu 1 -> cpu() (engine OnnxRuntime sees no usable GPU"));
    DeviceChoice notAnIndex = DeviceChoice.choose(DevicePolicy.AUTO, List.of("GPU-uuid"), 1, ORT);
    assertEquals("cpu()", notAnIndex.device());
  }

  @Test
  void policiesParseFromConfigText() {
    assertEquals(DevicePolicy.AUTO, DevicePolicy.parse(" Auto "));
    assertNull(DevicePolicy.parse("tpu"));
  }
}

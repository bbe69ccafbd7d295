package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Out-of-memory backoff against ONNX Runtime's real allocator failure. */
class OomBackoffTest {
  @TempDir Path dir;

  private static float[] rows(int n, int width, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextDouble() * 4 - 2);
    }
    return x;
  }

  private LoadedModel cliff(Mlp mlp, int rowsThatFit, String name) throws Exception {
    Path file = dir.resolve(name);
    MemoryCliffModel.write(mlp, rowsThatFit, file);
    ModelSpec spec =
        new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), 6);
    return ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
  }

  @Test
  void aBatchTooBigForMemoryIsScoredInHalvesWithEveryRowOnceAndInOrder() throws Exception {
    Mlp mlp = Mlp.seeded(5, 6, 8, 3);
    LoadedModel model = cliff(mlp, 4, "cliff-4.onnx");
    float[] x = rows(64, 6, 9);
    long before = OomBackoff.halvings();
    List<Integer> halved = new ArrayList<>();
    ModelEvents.listen(
        new ModelEvents.Listener() {
          @Override
          public void modelLoaded(long millis) {}

          @Override
          public void coalesced(int batches, int rows) {}

          @Override
          public void halved(int rows) {
            halved.add(rows);
          }
        });
    try (ScoringSession session = model.newSession()) {
      ModelOutput out;
      try {
        out = session.predict(new FeatureBatch(x, 64, 6));
      } finally {
        ModelEvents.listen(null);
      }
      assertEquals(List.of(64, 32, 16, 8), halved, "the listener hears each halving");
      assertEquals(64, out.rows());
      for (int r = 0; r < 64; r++) {
        float[] row = new float[6];
        System.arraycopy(x, r * 6, row, 0, 6);
        double[] expected = mlp.predict(row);
        for (int c = 0; c < 3; c++) {
          assertEquals(expected[c], out.get(r, c), 1e-5, "row " + r + " class " + c);
        }
      }
      // 64 -> 32 -> 16 -> 8 -> 4: four halvings, then 16 calls of 4 rows.
      assertEquals(4, OomBackoff.halvings() - before);
      // The session is still usable, at any size that fits.
      assertEquals(3, session.predict(new FeatureBatch(rows(3, 6, 1), 3, 6)).rows());
    }
  }

  @Test
  void theEnginesOwnErrorIsRecognisedAndOneRowThatDoesNotFitFailsClearly() throws Exception {
    LoadedModel model = cliff(Mlp.seeded(6, 6, 4, 2), 0, "cliff-0.onnx");
    try (ScoringSession session = model.newSession()) {
      InferenceException e =
          assertThrows(
              InferenceException.class,
              () -> session.predict(new FeatureBatch(rows(8, 6, 2), 8, 6)));
      assertTrue(EngineOutOfMemory.is(e), e.toString());
      assertTrue(
          e.getMessage().contains("ran out of memory even on a batch of 1 row"), e.getMessage());
      assertTrue(e.getMessage().toLowerCase().contains("allocate"), e.getMessage());
    }
  }

  @Test
  void pyTorchsOwnOutOfMemoryErrorIsRecognised() {
    // An oversized allocation through the real PyTorch engine: 2^40 floats = 4 TiB.
    try (ai.djl.ndarray.NDManager manager =
        ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      RuntimeException e =
          assertThrows(
              RuntimeException.class,
              () -> manager.zeros(new ai.djl.ndarray.types.Shape(1L << 40)).toFloatArray());
      System.out.println("observed: PyTorch out of memory: " + e);
      assertTrue(EngineOutOfMemory.is(e), e.toString());
    }
  }

  @Test
  void knownMessagesOfOnnxRuntimeAndPyTorchAreOutOfMemoryAndOthersAreNot() {
    for (String m :
        new String[] {
          "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running"
              + " MatMul node. Failed to allocate memory for requested buffer of size 4294967296",
          "ai.onnxruntime.OrtException: Error code - ORT_RUNTIME_EXCEPTION - message: bad allocation",
          "CUDA failure 2: out of memory ; GPU=0 ; hostname=x ; expr=cudaMalloc",
          "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)",
          "torch.OutOfMemoryError: CUDA out of memory.",
          "[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough memory: you"
              + " tried to allocate 1099511627776 bytes.",
          "CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"
        }) {
      assertTrue(EngineOutOfMemory.is(new RuntimeException(m)), m);
    }
    assertTrue(EngineOutOfMemory.is(new OutOfMemoryError("Direct buffer memory")));
    for (String m :
        new String[] {
          "Invalid argument: Got invalid dimensions for input: features",
          "index out of range",
          "Java heap space"
        }) {
      assertTrue(!EngineOutOfMemory.is(new RuntimeException(m)), m);
    }
    assertTrue(!EngineOutOfMemory.is(new OutOfMemoryError("Java heap space")));
  }

  /**
   * A real ONNX Runtime session behind a wrapper that, above {@code rowsThatFit} rows, throws the
   * JVM's own {@code error} the way an engine call fails when its direct buffers (the tensors
   * handed to the engine) do not fit: that cannot be provoked reliably, so the error is made here,
   * and everything at or below the limit is scored by the engine.
   */
  private static Function<FeatureBatch, ModelOutput> failingAbove(
      ScoringSession session, int rowsThatFit, Error error, List<Integer> calls) {
    return batch -> {
      calls.add(batch.rows());
      if (batch.rows() > rowsThatFit) {
        throw error;
      }
      return session.predict(batch);
    };
  }

  /**
   * What {@code work} throws, caught here: JUnit's assertThrows rethrows an OutOfMemoryError at
   * once, which would end the test run instead of failing one test.
   */
  private static Throwable thrownBy(Runnable work) {
    try {
      work.run();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("nothing was thrown");
  }

  private LoadedModel plain(Mlp mlp, String name) throws Exception {
    Path file = dir.resolve(name);
    OnnxMlpWriter.write(mlp, file);
    ModelSpec spec =
        new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), 6);
    return ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
  }

  @Test
  void directBufferExhaustionIsRetriedInHalvesWithEveryRowOnceAndInOrder() throws Exception {
    Mlp mlp = Mlp.seeded(7, 6, 8, 3);
    float[] x = rows(64, 6, 4);
    List<Integer> calls = new ArrayList<>();
    long before = OomBackoff.halvings();
    try (ScoringSession session = plain(mlp, "direct.onnx").newSession()) {
      ModelOutput[] result = new ModelOutput[1];
      Throwable failure =
          thrownBy(
              () -> {
                result[0] =
                    OomBackoff.predict(
                        new FeatureBatch(x, 64, 6),
                        failingAbove(
                            session, 8, new OutOfMemoryError("Direct buffer memory"), calls),
                        "direct.onnx on cpu()");
                throw new IllegalStateException("scored");
              });
      assertEquals("scored", failure.getMessage(), "not retried: " + failure);
      ModelOutput out = result[0];
      assertEquals(64, out.rows());
      for (int r = 0; r < 64; r++) {
        float[] row = new float[6];
        System.arraycopy(x, r * 6, row, 0, 6);
        double[] expected = mlp.predict(row);
        for (int c = 0; c < 3; c++) {
          assertEquals(expected[c], out.get(r, c), 1e-5, "row " + r + " class " + c);
        }
      }
    }
    // 64 -> 32 -> 16 -> 8: three halvings, then 8 calls of 8 rows.
    assertEquals(3, OomBackoff.halvings() - before);
    assertEquals(List.of(64, 32, 16, 8, 8, 8, 8, 8, 8, 8, 8), calls);
  }

  @Test
  void directBufferExhaustionOnOneRowFailsClearlyWithTheErrorAsCause() throws Exception {
    OutOfMemoryError direct = new OutOfMemoryError("Direct buffer memory");
    try (ScoringSession session = plain(Mlp.seeded(8, 6, 4, 2), "direct-0.onnx").newSession()) {
      Throwable e =
          thrownBy(
              () ->
                  OomBackoff.predict(
                      new FeatureBatch(rows(4, 6, 3), 4, 6),
                      failingAbove(session, 0, direct, new ArrayList<>()),
                      "direct-0.onnx on cpu()"));
      assertTrue(e instanceof InferenceException, e.toString());
      assertSame(direct, e.getCause());
      assertTrue(
          e.getMessage().contains("ran out of memory even on a batch of 1 row"), e.getMessage());
    }
  }

  @Test
  void heapExhaustionAndOtherErrorsAreRethrownUnchangedWithoutRetry() throws Exception {
    try (ScoringSession session = plain(Mlp.seeded(9, 6, 4, 2), "heap.onnx").newSession()) {
      for (Throwable thrown :
          new Throwable[] {
            new OutOfMemoryError("Java heap space"),
            new StackOverflowError(),
            new IllegalArgumentException("bad input")
          }) {
        List<Integer> calls = new ArrayList<>();
        long before = OomBackoff.halvings();
        Function<FeatureBatch, ModelOutput> call =
            batch -> {
              calls.add(batch.rows());
              if (thrown instanceof Error err) {
                throw err;
              }
              throw (RuntimeException) thrown;
            };
        Throwable seen =
            thrownBy(
                () -> OomBackoff.predict(new FeatureBatch(rows(16, 6, 5), 16, 6), call, "heap"));
        assertSame(thrown, seen, "rethrown as is");
        assertEquals(List.of(16), calls, "not retried: " + thrown);
        assertEquals(before, OomBackoff.halvings());
      }
      // The session still works.
      assertEquals(2, session.predict(new FeatureBatch(rows(2, 6, 6), 2, 6)).rows());
    }
  }
}

package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-device batching queue under concurrency, on a real ONNX Runtime model. Every row is made
 * unique (its first feature is its global row id), so a row handed back to the wrong task, twice,
 * or out of order shows as a wrong prediction.
 */
class DeviceBatcherTest {
  private static final int WIDTH = 6;
  @TempDir Path dir;

  private LoadedModel model(Mlp mlp, String name) throws Exception {
    Path file = dir.resolve(name);
    OnnxMlpWriter.write(mlp, file);
    ModelSpec spec =
        new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), WIDTH);
    return ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
  }

  private static void assertRows(Mlp mlp, float[] x, int rows, ModelOutput out) {
    assertEquals(rows, out.rows());
    for (int r = 0; r < rows; r++) {
      float[] row = new float[WIDTH];
      System.arraycopy(x, r * WIDTH, row, 0, WIDTH);
      double[] expected = mlp.predict(row);
      for (int c = 0; c < expected.length; c++) {
        assertEquals(expected[c], out.get(r, c), 1e-4, "row id " + row[0] + " class " + c);
      }
    }
  }

  @Test
  void everyRowReturnsToItsOwnTaskExactlyOnceUnderConcurrency() throws Exception {
    Mlp mlp = Mlp.seeded(21, WIDTH, 16, 4);
    LoadedModel model = model(mlp, "queue.onnx");
    DeviceBatcher queue = model.batcher(new BatchingSettings(512, 2_000));
    AtomicLong nextRowId = new AtomicLong();
    AtomicLong rowsBack = new AtomicLong();
    int threads = 12;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          List<Future<Integer>> tasks = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            long seed = t;
            tasks.add(
                pool.submit(
                    () -> {
                      SplittableRandom random = new SplittableRandom(seed);
                      float[] x = new float[200 * WIDTH];
                      int batches = 0;
                      for (int b = 0; b < 40; b++) {
                        int rows = 1 + random.nextInt(200);
                        for (int r = 0; r < rows; r++) {
                          x[r * WIDTH] = nextRowId.getAndIncrement() / 1000f;
                          for (int f = 1; f < WIDTH; f++) {
                            x[r * WIDTH + f] = (float) random.nextDouble();
                          }
                        }
                        ModelOutput out =
                            queue.predict(new FeatureBatch(x, rows, WIDTH), () -> false);
                        assertRows(mlp, x, rows, out);
                        rowsBack.addAndGet(out.rows());
                        batches++;
                      }
                      return batches;
                    }));
          }
          for (Future<Integer> f : tasks) {
            assertEquals(40, f.get());
          }
        });
    pool.shutdown();
    assertEquals(nextRowId.get(), rowsBack.get(), "every row came back once");
    assertTrue(
        queue.calls() < queue.batches(),
        "batches were coalesced: " + queue.calls() + " calls for " + queue.batches() + " batches");
  }

  @Test
  void aFailingBatchFailsOnlyItsOwnTaskAndACancelledTaskIsWithdrawn() throws Exception {
    Mlp mlp = Mlp.seeded(22, WIDTH, 8, 2);
    LoadedModel model = model(mlp, "isolation.onnx");
    // A long wait, so that good, bad and cancelled batches share one coalescing window.
    DeviceBatcher queue = model.batcher(new BatchingSettings(4096, 200_000));
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<ModelOutput>> good = new ArrayList<>();
      List<float[]> inputs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        float[] x = new float[10 * WIDTH];
        for (int r = 0; r < 10; r++) {
          x[r * WIDTH] = t * 100 + r;
        }
        inputs.add(x);
        good.add(pool.submit(() -> queue.predict(new FeatureBatch(x, 10, WIDTH), () -> false)));
      }
      // Five features instead of six: the engine rejects it.
      Future<ModelOutput> bad =
          pool.submit(() -> queue.predict(new FeatureBatch(new float[15], 3, 5), () -> false));
      AtomicBoolean cancel = new AtomicBoolean();
      Future<ModelOutput> cancelled =
          pool.submit(
              () -> queue.predict(new FeatureBatch(new float[WIDTH], 1, WIDTH), cancel::get));
      cancel.set(true);
      for (int t = 0; t < 4; t++) {
        assertRows(mlp, inputs.get(t), 10, good.get(t).get());
      }
      Exception e = assertThrows(Exception.class, bad::get);
      assertTrue(e.getCause() instanceof InferenceException, e.toString());
      Exception c = assertThrows(Exception.class, cancelled::get);
      assertTrue(c.getCause() instanceof CancellationException, c.toString());
      // The queue still serves.
      float[] x = new float[WIDTH];
      assertRows(mlp, x, 1, queue.predict(new FeatureBatch(x, 1, WIDTH), () -> false));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aJobWithOtherQueueSettingsGetsANewQueueOnceTheOldOneIsIdle() throws Exception {
    LoadedModel model = model(Mlp.seeded(23, WIDTH, 4, 2), "settings.onnx");
    BatchingSettings small = new BatchingSettings(64, 1_000);
    BatchingSettings large = new BatchingSettings(4096, 1_000);
    try (BatchModel session = model.queueSession(small, () -> false)) {
      assertEquals(small, model.batcher(large).settings(), "in use: the running queue stays");
      assertEquals(1, session.predict(new FeatureBatch(new float[WIDTH], 1, WIDTH)).rows());
    }
    assertEquals(large, model.batcher(large).settings(), "idle: the new settings apply");
  }
}

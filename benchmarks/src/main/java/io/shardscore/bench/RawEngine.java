package io.shardscore.bench;

import io.shardscore.model.EngineSettings;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import io.shardscore.model.ScoringSession;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The engine limit: DJL / ONNX Runtime scoring preloaded float arrays in this JVM, with the same
 * threads, batch size and shared model as Spark's tasks, and nothing else.
 */
final class RawEngine {
  private final float[][] slices;
  private final LoadedModel model;
  private final int width;
  private final int batch;

  RawEngine(Workload w, int threads, int batch) {
    this.width = w.width();
    this.batch = batch;
    ModelSpec spec =
        new ModelSpec(
            w.model().toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(w.model()), width);
    this.model = ModelRegistry.acquire(spec, w::model, EngineSettings.forTaskCpus(1));
    SplittableRandom random = new SplittableRandom(1);
    slices = new float[threads][];
    long perThread = w.rows() / threads;
    for (int t = 0; t < threads; t++) {
      float[] x = new float[(int) (perThread * width)];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextDouble(-1, 1);
      }
      slices[t] = x;
    }
  }

  Measurement run(Workload w, int rep) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(slices.length);
    try {
      long start = System.nanoTime();
      List<Future<Long>> done = new ArrayList<>();
      for (float[] slice : slices) {
        done.add(pool.submit(() -> scoreAll(slice)));
      }
      long rows = 0;
      for (Future<Long> f : done) {
        rows += f.get();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Measurement("raw-engine", w.name(), rep, rows, seconds, java.util.Map.of());
    } finally {
      pool.shutdownNow();
    }
  }

  private long scoreAll(float[] x) {
    long rows = x.length / width;
    float[] buf = new float[batch * width];
    try (ScoringSession s = model.newSession()) {
      for (long r = 0; r < rows; r += batch) {
        int n = (int) Math.min(batch, rows - r);
        System.arraycopy(x, (int) (r * width), buf, 0, n * width);
        s.predict(new FeatureBatch(buf, n, width));
      }
    }
    return rows;
  }
}

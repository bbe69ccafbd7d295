package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  private static final float[] ROW = {0.5f, -1f, 2f};

  @TempDir Path dir;

  private ModelSpec write(String name, long seed) throws Exception {
    return write(name, Mlp.seeded(seed, 3, 4, 2));
  }

  private ModelSpec write(String name, Mlp mlp) throws Exception {
    Path file = dir.resolve(name);
    OnnxMlpWriter.write(mlp, file);
    return new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), 3);
  }

  private static LoadedModel acquire(ModelSpec spec) {
    return ModelRegistry.acquire(
        spec, () -> Path.of(spec.location()), EngineSettings.forTaskCpus(1));
  }

  private static boolean loaded(ModelSpec spec) {
    return ModelRegistry.loaded().contains(spec.digest() + "@cpu()");
  }

  @Test
  void switchingModelsEvictsIdleOnesButNeverOneInUse() throws Exception {
    ModelSpec a = write("a.onnx", 1);
    ModelSpec b = write("b.onnx", 2);
    ModelSpec c = write("c.onnx", 3);
    int loads = ModelRegistry.loadCount();
    try (LoadedModel first = acquire(a);
        LoadedModel again = acquire(a)) {
      assertEquals(loads + 1, ModelRegistry.loadCount(), "one instance per digest and device");
      try (ScoringSession inUse = first.newSession()) {
        acquire(b).close();
        acquire(c).close();
        assertTrue(loaded(a), "a model a task is using stays");
        assertFalse(inUse.modelClosed());
      }
    }
    acquire(b).close();
    ModelSpec d = write("d.onnx", 4);
    acquire(d).close();
    assertTrue(loaded(d));
    assertTrue(loaded(b), "the most recently used idle model stays");
    assertFalse(loaded(a), "older idle models are closed");
    assertFalse(loaded(c), "older idle models are closed");
  }

  @Test
  void aHeldModelIsNeverEvictedAndAHandleWhoseModelWasEvictedLoadsItAgain() throws Exception {
    Mlp mlp = Mlp.seeded(5, 3, 4, 2);
    ModelSpec e = write("e.onnx", mlp);
    LoadedModel held = acquire(e); // acquired, no session yet: the window a race used to hit
    for (int i = 0; i < 3; i++) {
      acquire(write("f" + i + ".onnx", 50 + i)).close();
    }
    assertTrue(loaded(e), "a model a handle holds is never evicted");
    double expected = mlp.predict(ROW)[0];
    try (ScoringSession s = held.newSession()) {
      assertFalse(s.modelClosed());
      assertEquals(expected, s.predict(new FeatureBatch(ROW, 1, 3)).get(0, 0), 1e-6);
    }
    // The session took the handle's hold over and released it: e is idle now, and two more loads
    // evict it (the first keeps it as the most recently used idle model).
    acquire(write("g.onnx", 6)).close();
    acquire(write("h.onnx", 7)).close();
    assertFalse(loaded(e), "idle once its session closed");
    int loads = ModelRegistry.loadCount();
    try (ScoringSession s = held.newSession()) {
      assertFalse(s.modelClosed(), "the kept handle reaches a live model, not the closed one");
      assertEquals(expected, s.predict(new FeatureBatch(ROW, 1, 3)).get(0, 0), 1e-6);
    }
    assertEquals(loads + 1, ModelRegistry.loadCount(), "loaded again for the kept handle");
    held.close();
    held.close(); // idempotent
  }

  /**
   * Task threads acquire, score and release two models, alternating, while another thread loads new
   * models that evict idle ones, both concurrently with the tasks and between rounds (when every
   * task is done, so that evictions certainly happen). Rounds are fenced by barriers, with a fixed
   * number of iterations; no task may ever see a closed model or a wrong prediction.
   */
  @Test
  void tasksNeverSeeAClosedModelWhileLoadsEvictIdleModels() throws Exception {
    Mlp mlpA = Mlp.seeded(101, 3, 4, 2);
    Mlp mlpB = Mlp.seeded(102, 3, 4, 2);
    ModelSpec a = write("ra.onnx", mlpA);
    ModelSpec b = write("rb.onnx", mlpB);
    double wantA = mlpA.predict(ROW)[0];
    double wantB = mlpB.predict(ROW)[0];
    int workers = 6;
    int rounds = 40;
    int perRound = 4;
    List<ModelSpec> others = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      others.add(write("rc" + r + ".onnx", 1000 + r));
      others.add(write("rd" + r + ".onnx", 5000 + r));
    }
    CyclicBarrier start = new CyclicBarrier(workers + 1);
    CyclicBarrier end = new CyclicBarrier(workers + 1);
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    int loadsBefore = ModelRegistry.loadCount();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int worker = w;
        done.add(
            pool.submit(
                () -> {
                  for (int r = 0; r < rounds; r++) {
                    start.await(5, TimeUnit.MINUTES);
                    for (int i = 0; i < perRound; i++) {
                      boolean useA = (worker + r + i) % 2 == 0;
                      try {
                        score(useA ? a : b, useA ? wantA : wantB, (worker + i) % 3, problems);
                      } catch (Throwable t) {
                        problems.add("round " + r + ": " + t);
                      }
                    }
                    end.await(5, TimeUnit.MINUTES);
                  }
                  return null;
                }));
      }
      for (int r = 0; r < rounds; r++) {
        start.await(5, TimeUnit.MINUTES);
        try {
          acquire(others.get(2 * r)).newSession().close(); // concurrent with the tasks
        } catch (Throwable t) {
          problems.add("loader, round " + r + ": " + t);
        }
        end.await(5, TimeUnit.MINUTES);
        try {
          acquire(others.get(2 * r + 1)).close(); // no task runs: a or b is evicted
        } catch (Throwable t) {
          problems.add("loader, round " + r + ": " + t);
        }
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + problems.peek());
    // Each round loads its two new models, and each round after the first loads a or b again
    // (evicted while no task ran): evictions really raced the tasks.
    assertTrue(
        ModelRegistry.loadCount() - loadsBefore >= 3 * rounds - 1,
        "loads: " + (ModelRegistry.loadCount() - loadsBefore));
    // And nothing piles up: one more load leaves at most one of this test's models loaded.
    acquire(write("rz.onnx", 9999)).close();
    long ours = others.stream().filter(ModelRegistryTest::loaded).count();
    ours += (loaded(a) ? 1 : 0) + (loaded(b) ? 1 : 0);
    assertTrue(ours <= 1, ours + " idle models of this test stay loaded");
  }

  /** One task: acquire, score one row, release; three styles of holding the model. */
  private static void score(
      ModelSpec spec, double want, int style, ConcurrentLinkedQueue<String> problems) {
    ModelOutput out;
    if (style == 0) {
      try (LoadedModel model = acquire(spec);
          ScoringSession session = model.newSession()) {
        out = checked(session, problems);
      }
    } else if (style == 1) {
      try (ScoringSession session = acquire(spec).newSession()) {
        out = checked(session, problems);
      }
    } else {
      try (BatchModel session =
          acquire(spec).queueSession(new BatchingSettings(64, 0), () -> false)) {
        out = session.predict(new FeatureBatch(ROW, 1, 3));
      }
    }
    if (Math.abs(out.get(0, 0) - want) > 1e-5) {
      problems.add("wrong prediction " + out.get(0, 0) + " instead of " + want);
    }
  }

  private static ModelOutput checked(
      ScoringSession session, ConcurrentLinkedQueue<String> problems) {
    if (session.modelClosed()) {
      problems.add("a session opened on a closed model");
    }
    ModelOutput out = session.predict(new FeatureBatch(ROW, 1, 3));
    if (session.modelClosed()) {
      problems.add("the model closed under a session");
    }
    return out;
  }
}

package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.lightgbm.LightGbmTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LightGBM text models through shardscore's lightgbmlib adapter, against the booster that trained
 * them (LightGBM's own predict): tolerance 1e-6, as the adapter returns LightGBM's doubles as
 * floats.
 */
class LightGbmModelTest {
  private static final int FEATURES = 6;
  private static final double TOLERANCE = 1e-6;

  @TempDir Path dir;

  /** Rows where every feature matters, each differently (so a wrong order shows). */
  static float[] rows(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * FEATURES];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextDouble() * 4 - 2);
    }
    return x;
  }

  static float[] binaryLabels(float[] x) {
    int n = x.length / FEATURES;
    float[] y = new float[n];
    double[] w = {1.5, -2.0, 0.7, 0.3, 1.1, -0.4};
    for (int r = 0; r < n; r++) {
      double s = 0;
      for (int c = 0; c < FEATURES; c++) {
        s += w[c] * x[r * FEATURES + c];
      }
      y[r] = s + 0.5 * x[r * FEATURES + 3] * x[r * FEATURES + 3] > 0.4 ? 1 : 0;
    }
    return y;
  }

  /**
   * A binary model of {@code rounds} trees: each test trains its own, so its digest is its own and
   * no other test's loaded model stands in for it in this JVM's registry.
   */
  private Path trainBinary(LightGbmTrainer[] keep, int rounds) {
    float[] x = rows(2000, 1);
    LightGbmTrainer trainer =
        LightGbmTrainer.train(
            x, binaryLabels(x), FEATURES, "objective=binary num_leaves=15", rounds);
    Path file = dir.resolve("model-" + rounds + ".txt");
    trainer.save(file);
    keep[0] = trainer;
    return file;
  }

  private static ModelSpec spec(Path file, int features, OutputType output) {
    return new ModelSpec(
        file.toString(),
        ModelEngine.LIGHTGBM,
        ModelDigest.of(file, ModelEngine.LIGHTGBM),
        features,
        output);
  }

  @Test
  void predictionsEqualLightGbmsOwnPredictForProbabilityAndRawScore() {
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    Path file = trainBinary(trainer, 31);
    try (LightGbmTrainer oracle = trainer[0]) {
      float[] x = rows(300, 99);
      for (OutputType output : OutputType.values()) {
        double[] expected = oracle.predict(x, 300, output == OutputType.RAW);
        LoadedModel model =
            ModelRegistry.acquire(
                spec(file, FEATURES, output), () -> file, EngineSettings.forTaskCpus(2));
        try (ScoringSession session = model.newSession()) {
          // Batches of several sizes: the adapter grows its native buffers.
          int done = 0;
          Set<Float> distinct = new HashSet<>();
          for (int size : new int[] {1, 7, 92, 200}) {
            float[] batch = new float[size * FEATURES];
            System.arraycopy(x, done * FEATURES, batch, 0, batch.length);
            ModelOutput out = session.predict(new FeatureBatch(batch, size, FEATURES));
            assertEquals(size, out.rows());
            assertEquals(1, out.width());
            for (int r = 0; r < size; r++) {
              assertEquals(expected[done + r], out.get(r, 0), TOLERANCE, output + " row " + r);
              distinct.add(out.get(r, 0));
            }
            done += size;
          }
          assertTrue(distinct.size() > 50, output + " predictions vary: " + distinct.size());
          if (output == OutputType.PROBABILITY) {
            assertTrue(distinct.stream().allMatch(p -> p > 0 && p < 1), "probabilities");
          } else {
            assertTrue(distinct.stream().anyMatch(p -> p < 0 || p > 1), "raw scores");
          }
        }
      }
    }
  }

  @Test
  void swappedFeaturesDoNotMatchTheOracle() {
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    Path file = trainBinary(trainer, 32);
    try (LightGbmTrainer oracle = trainer[0]) {
      float[] x = rows(200, 5);
      double[] expected = oracle.predict(x, 200, false);
      float[] swapped = x.clone();
      for (int r = 0; r < 200; r++) {
        swapped[r * FEATURES] = x[r * FEATURES + 1];
        swapped[r * FEATURES + 1] = x[r * FEATURES];
      }
      LoadedModel model =
          ModelRegistry.acquire(
              spec(file, FEATURES, OutputType.PROBABILITY),
              () -> file,
              EngineSettings.forTaskCpus(1));
      try (ScoringSession session = model.newSession()) {
        ModelOutput out = session.predict(new FeatureBatch(swapped, 200, FEATURES));
        int off = 0;
        for (int r = 0; r < 200; r++) {
          if (Math.abs(expected[r] - out.get(r, 0)) > TOLERANCE) {
            off++;
          }
        }
        assertTrue(off > 100, "a wrong feature order changes most predictions: " + off);
      }
    }
  }

  @Test
  void multiclassModelsReturnOneProbabilityPerClass() {
    float[] x = rows(1500, 2);
    float[] y = new float[1500];
    for (int r = 0; r < 1500; r++) {
      double s = x[r * FEATURES] - x[r * FEATURES + 2];
      y[r] = s < -1 ? 0 : s < 1 ? 1 : 2;
    }
    Path file = dir.resolve("multi.txt");
    try (LightGbmTrainer oracle =
        LightGbmTrainer.train(x, y, FEATURES, "objective=multiclass num_class=3", 15)) {
      oracle.save(file);
      float[] test = rows(50, 3);
      double[] expected = oracle.predict(test, 50, false);
      LoadedModel model =
          ModelRegistry.acquire(
              spec(file, FEATURES, OutputType.PROBABILITY),
              () -> file,
              EngineSettings.forTaskCpus(1));
      try (ScoringSession session = model.newSession()) {
        ModelOutput out = session.predict(new FeatureBatch(test, 50, FEATURES));
        assertEquals(3, out.width());
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], out.values()[i], TOLERANCE, "value " + i);
        }
      }
    }
  }

  @Test
  void oneLoadPerDigestSharedByConcurrentSessions() throws Exception {
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    Path file = trainBinary(trainer, 33);
    try (LightGbmTrainer oracle = trainer[0]) {
      float[] x = rows(400, 8);
      double[] expected = oracle.predict(x, 400, false);
      ModelSpec spec = spec(file, FEATURES, OutputType.PROBABILITY);
      int before = ModelRegistry.loadCount();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(
              pool.submit(
                  () -> {
                    LoadedModel model =
                        ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
                    try (ScoringSession session = model.newSession()) {
                      return session.predict(new FeatureBatch(x, 400, FEATURES)).values();
                    }
                  }));
        }
        for (Future<float[]> f : results) {
          float[] got = f.get();
          for (int r = 0; r < 400; r++) {
            assertEquals(expected[r], got[r], TOLERANCE, "row " + r);
          }
        }
      } finally {
        pool.shutdown();
      }
      assertTrue(ModelRegistry.loaded().stream().anyMatch(k -> k.startsWith(spec.digest())));
      assertEquals(1, ModelRegistry.loadCount() - before, "one load for eight tasks");
    }
  }

  @Test
  void aSpecWithAnotherFeatureCountIsRefusedAtLoadListingBoth() {
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    Path file = trainBinary(trainer, 34);
    trainer[0].close();
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                ModelRegistry.acquire(
                    spec(file, 5, OutputType.PROBABILITY),
                    () -> file,
                    EngineSettings.forTaskCpus(1)));
    assertTrue(e.getMessage().contains("expects 6 features per row"), e.getMessage());
    assertTrue(e.getMessage().contains("feeds it 5"), e.getMessage());
  }

  @Test
  void aLoadedModelIsNotHandedToASpecWithAnotherFeatureCountOrEngine() {
    // Another job in the same JVM (a notebook's second run, serve after a run) names the same
    // file: the loaded instance must not skip the checks that a load for that spec makes.
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    Path file = trainBinary(trainer, 37);
    trainer[0].close();
    try (LoadedModel ok =
        ModelRegistry.acquire(
            spec(file, FEATURES, OutputType.PROBABILITY),
            () -> file,
            EngineSettings.forTaskCpus(1))) {
      ModelLoadException count =
          assertThrows(
              ModelLoadException.class,
              () ->
                  ModelRegistry.acquire(
                      spec(file, 5, OutputType.PROBABILITY),
                      () -> file,
                      EngineSettings.forTaskCpus(1)));
      assertTrue(count.getMessage().contains("expects 6 features per row"), count.getMessage());
      ModelSpec asXgboost =
          new ModelSpec(
              file.toString(),
              ModelEngine.XGBOOST,
              ModelDigest.of(file, ModelEngine.XGBOOST),
              FEATURES,
              OutputType.PROBABILITY);
      ModelLoadException engine =
          assertThrows(
              ModelLoadException.class,
              () -> ModelRegistry.acquire(asXgboost, () -> file, EngineSettings.forTaskCpus(1)));
      assertTrue(engine.getMessage().contains("XGBoost"), engine.getMessage());
    }
  }

  @Test
  void corruptTruncatedAndForeignFilesAreRefusedWithLightGbmsReason() throws IOException {
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    Path good = trainBinary(trainer, 35);
    trainer[0].close();
    String text = Files.readString(good);
    Path truncated =
        Files.writeString(dir.resolve("truncated.txt"), text.substring(0, text.length() / 3));
    Path garbage = Files.writeString(dir.resolve("garbage.txt"), "not a model\n");
    Path onnx = dir.resolve("net.txt");
    io.shardscore.model.onnx.OnnxMlpWriter.write(
        io.shardscore.model.onnx.Mlp.seeded(1, FEATURES, 4, 2), onnx);
    for (Path bad : List.of(truncated, garbage, onnx)) {
      ModelLoadException e =
          assertThrows(
              ModelLoadException.class,
              () ->
                  ModelRegistry.acquire(
                      spec(bad, FEATURES, OutputType.PROBABILITY),
                      () -> bad,
                      EngineSettings.forTaskCpus(1)),
              bad.toString());
      assertTrue(
          e.getMessage().startsWith("Cannot load model " + bad + " with LightGBM"), e.getMessage());
      assertTrue(e.getMessage().contains("complete LightGBM text model"), e.getMessage());
    }
  }

  @Test
  void treesWhoseNodesPointOutOfRangeOrInACycleAreRefusedBeforeLightGbmReadsThem()
      throws IOException {
    // Edited files with the right tree_sizes: LightGBM 3.3.5 loads them all; scoring one crashed
    // the JVM (child past the nodes), one never returned (child pointing at the root), and two
    // scored silently from memory past the tree (leaf or feature index past the end).
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    String text = Files.readString(trainBinary(trainer, 38));
    trainer[0].close();
    int nodes = Integer.parseInt(field(firstTree(text), "num_leaves")) - 1;
    for (String bad :
        List.of(
            editFirst(text, "left_child", (nodes + 5) + ""),
            editFirst(text, "left_child", "0"),
            editFirst(text, "right_child", "-" + (nodes + 9)),
            editFirst(text, "split_feature", FEATURES + ""),
            // Without tree_sizes LightGBM reads the trees one by one: the nodes are checked still.
            editFirst(text, "left_child", "0").replaceFirst("\ntree_sizes=[^\n]*", ""))) {
      Path file = Files.writeString(dir.resolve("edited-" + bad.hashCode() + ".txt"), bad);
      assertEquals(null, LightGbmModel.structuralProblem(text.getBytes()), "the original is fine");
      ModelLoadException e =
          assertThrows(
              ModelLoadException.class,
              () ->
                  ModelRegistry.acquire(
                      spec(file, FEATURES, OutputType.PROBABILITY),
                      () -> file,
                      EngineSettings.forTaskCpus(1)));
      assertTrue(e.getMessage().contains("tree 0 "), e.getMessage());
    }
  }

  private static String firstTree(String text) {
    int start = text.indexOf("\nTree=0\n");
    return text.substring(start, text.indexOf("\nTree=1\n", start));
  }

  private static String field(String tree, String key) {
    int at = tree.indexOf("\n" + key + "=") + key.length() + 2;
    return tree.substring(at, tree.indexOf('\n', at));
  }

  /**
   * The model with the first value of {@code key} in tree 0 replaced by {@code value}, and tree 0's
   * entry in tree_sizes corrected, so that only the node arrays are wrong.
   */
  private static String editFirst(String text, String key, String value) {
    String tree = firstTree(text);
    String[] values = field(tree, key).split(" ");
    values[0] = value;
    String edited =
        tree.replace(
            "\n" + key + "=" + field(tree, key) + "\n",
            "\n" + key + "=" + String.join(" ", values) + "\n");
    String out = text.replace(tree, edited);
    String sizes = field(out, "tree_sizes");
    String[] each = sizes.split(" ");
    each[0] = Integer.toString(Integer.parseInt(each[0]) + edited.length() - tree.length());
    return out.replace(
        "\ntree_sizes=" + sizes + "\n", "\ntree_sizes=" + String.join(" ", each) + "\n");
  }

  @Test
  void theBatchingQueueCoalescesTasksBatchesAndKeepsEachTasksRows() throws Exception {
    LightGbmTrainer[] trainer = new LightGbmTrainer[1];
    Path file = trainBinary(trainer, 36);
    try (LightGbmTrainer oracle = trainer[0]) {
      ModelSpec spec = spec(file, FEATURES, OutputType.PROBABILITY);
      LoadedModel model = ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(1));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          long seed = 100 + t;
          tasks.add(
              pool.submit(
                  () -> {
                    float[] x = rows(50, seed);
                    double[] expected = oracle.predict(x, 50, false);
                    try (BatchModel queue =
                        model.queueSession(new BatchingSettings(512, 2_000), () -> false)) {
                      for (int round = 0; round < 5; round++) {
                        ModelOutput out = queue.predict(new FeatureBatch(x, 50, FEATURES));
                        for (int r = 0; r < 50; r++) {
                          assertEquals(expected[r], out.get(r, 0), TOLERANCE, "row " + r);
                        }
                      }
                    }
                    return null;
                  }));
        }
        for (Future<Void> f : tasks) {
          f.get();
        }
      } finally {
        pool.shutdown();
        model.close();
      }
    }
  }
}

package io.shardscore.model;

import static io.shardscore.model.XgboostTraining.FEATURES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.lightgbm.LightGbmTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XGBoost models (JSON and UBJ) through DJL's XGBoost engine, against the predictions of the Python
 * XGBoost that trained them: tolerance 1e-5 (both run the same trees in float32; Python 1.7 wrote
 * the model, xgboost4j 3.0.4 reads it).
 */
class XgboostModelTest {
  private static final double TOLERANCE = 1e-5;

  @TempDir static Path dir;
  private static XgboostTraining trained;

  @BeforeAll
  static void train() throws IOException, InterruptedException {
    trained = XgboostTraining.run(dir.resolve("xgb"));
  }

  private static ModelSpec spec(Path file, int features, OutputType output) {
    return new ModelSpec(
        file.toString(),
        ModelEngine.XGBOOST,
        ModelDigest.of(file, ModelEngine.XGBOOST),
        features,
        output);
  }

  private static float[] score(Path file, OutputType output, float[] rows) {
    int n = rows.length / FEATURES;
    LoadedModel model =
        ModelRegistry.acquire(
            spec(file, FEATURES, output), () -> file, EngineSettings.forTaskCpus(2));
    try (ScoringSession session = model.newSession()) {
      ModelOutput out = session.predict(new FeatureBatch(rows, n, FEATURES));
      assertEquals(n, out.rows());
      assertEquals(1, out.width());
      return out.values();
    }
  }

  @Test
  void jsonAndUbjModelsPredictWhatPythonXgboostPredicted() {
    for (String name : List.of("model.json", "model.ubj")) {
      Path file = trained.dir().resolve(name);
      for (OutputType output : OutputType.values()) {
        double[] expected = output == OutputType.RAW ? trained.margin() : trained.probability();
        float[] got = score(file, output, trained.rows());
        Set<Float> distinct = new HashSet<>();
        for (int r = 0; r < trained.rowCount(); r++) {
          assertEquals(expected[r], got[r], TOLERANCE, name + " " + output + " row " + r);
          distinct.add(got[r]);
        }
        assertTrue(distinct.size() > 100, name + " " + output + " varies: " + distinct.size());
      }
    }
  }

  @Test
  void swappedFeaturesDoNotMatchPython() {
    float[] swapped = trained.rows().clone();
    for (int r = 0; r < trained.rowCount(); r++) {
      swapped[r * FEATURES] = trained.rows()[r * FEATURES + 1];
      swapped[r * FEATURES + 1] = trained.rows()[r * FEATURES];
    }
    float[] got = score(trained.dir().resolve("model.json"), OutputType.PROBABILITY, swapped);
    int off = 0;
    for (int r = 0; r < trained.rowCount(); r++) {
      if (Math.abs(trained.probability()[r] - got[r]) > TOLERANCE) {
        off++;
      }
    }
    assertTrue(off > trained.rowCount() / 2, "a wrong feature order changes most rows: " + off);
  }

  @Test
  void aSpecWithAnotherFeatureCountIsRefusedAtLoadListingBoth() throws IOException {
    // A copy with one byte of whitespace more: its own digest, so a fresh load in this JVM.
    Path copy = dir.resolve("width.json");
    Files.writeString(copy, Files.readString(trained.dir().resolve("model.json")) + " ");
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                ModelRegistry.acquire(
                    spec(copy, 5, OutputType.PROBABILITY),
                    () -> copy,
                    EngineSettings.forTaskCpus(1)));
    assertTrue(e.getMessage().contains("(XGBoost) expects 6 features per row"), e.getMessage());
    assertTrue(e.getMessage().contains("feeds it 5"), e.getMessage());
  }

  @Test
  void aLoadedUbjModelIsNotHandedToTheSameBytesUnderAJsonName() throws IOException {
    // XGBoost reads the format from the name: UBJ bytes named .json are refused by a fresh load,
    // so a loaded model.ubj in this JVM must not stand in for them.
    Path ubj = dir.resolve("loaded.ubj");
    byte[] bytes = Files.readAllBytes(trained.dir().resolve("model.ubj"));
    Files.write(ubj, java.util.Arrays.copyOf(bytes, bytes.length));
    Path named = Files.write(dir.resolve("loaded-ubj.json"), bytes);
    try (LoadedModel loaded =
        ModelRegistry.acquire(
            spec(ubj, FEATURES, OutputType.PROBABILITY),
            () -> ubj,
            EngineSettings.forTaskCpus(1))) {
      ModelLoadException e =
          assertThrows(
              ModelLoadException.class,
              () ->
                  ModelRegistry.acquire(
                      spec(named, FEATURES, OutputType.PROBABILITY),
                      () -> named,
                      EngineSettings.forTaskCpus(1)));
      assertTrue(e.getMessage().contains("a UBJ model must be named .ubj"), e.getMessage());
    }
  }

  @Test
  void treesWhoseNodesPointOutOfRangeOrInACycleAreRefusedBeforeXgboostReadsThem()
      throws IOException {
    // Complete, well-formed documents with one node edited: xgboost4j loads them, then crashed
    // the JVM (child or feature index past the end) or never returned (child pointing at the root).
    String json =
        Files.readString(
            trained.dir().resolve("model.json"), java.nio.charset.StandardCharsets.UTF_8);
    byte[] ubj = Files.readAllBytes(trained.dir().resolve("model.ubj"));
    assertEquals(null, XgboostFormat.problem(trained.dir().resolve("model.json")));
    assertEquals(null, XgboostFormat.problem(trained.dir().resolve("model.ubj")));
    // The UBJ root's left child: the first int32 of the typed array after "left_children".
    byte[] key = "left_children[$l#L".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    int at = indexOf(ubj, key) + key.length + 8;
    byte[] ubjCycle = ubj.clone();
    Arrays.fill(ubjCycle, at, at + 4, (byte) 0);
    List<Path> bad =
        List.of(
            Files.writeString(
                dir.resolve("child-past-end.json"),
                json.replaceFirst("\"left_children\":\\[1,", "\"left_children\":[1000000,")),
            Files.writeString(
                dir.resolve("child-is-root.json"),
                json.replaceFirst("\"left_children\":\\[1,", "\"left_children\":[0,")),
            Files.writeString(
                dir.resolve("feature-past-end.json"),
                json.replaceFirst("\"split_indices\":\\[\\d+,", "\"split_indices\":[1000000,")),
            Files.write(dir.resolve("child-is-root.ubj"), ubjCycle));
    for (Path file : bad) {
      ModelLoadException e =
          assertThrows(
              ModelLoadException.class,
              () ->
                  ModelRegistry.acquire(
                      spec(file, FEATURES, OutputType.PROBABILITY),
                      () -> file,
                      EngineSettings.forTaskCpus(1)),
              file.toString());
      assertTrue(e.getMessage().contains("tree 0 "), e.getMessage());
    }
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= bytes.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("not found");
  }

  @Test
  void corruptTruncatedAndWrongFormatFilesAreRefusedWithXgboostsReason() throws IOException {
    byte[] json = Files.readAllBytes(trained.dir().resolve("model.json"));
    byte[] ubj = Files.readAllBytes(trained.dir().resolve("model.ubj"));
    Path truncatedJson =
        Files.write(dir.resolve("truncated.json"), Arrays.copyOf(json, json.length / 2));
    Path truncatedUbj =
        Files.write(dir.resolve("truncated.ubj"), Arrays.copyOf(ubj, ubj.length / 2));
    Path lastByteCutUbj =
        Files.write(dir.resolve("cut-by-one.ubj"), Arrays.copyOf(ubj, ubj.length - 1));
    Path lastBraceCutJson =
        Files.writeString(
            dir.resolve("cut-brace.json"),
            new String(json, java.nio.charset.StandardCharsets.UTF_8).strip().replaceAll("}$", ""));
    Path garbage = Files.writeString(dir.resolve("garbage.json"), "not a model");
    Path ubjNamedJson = Files.write(dir.resolve("ubj-named.json"), ubj);
    Path lightGbm = dir.resolve("lightgbm.json");
    float[] x = LightGbmModelTest.rows(200, 1);
    try (LightGbmTrainer t =
        LightGbmTrainer.train(
            x, LightGbmModelTest.binaryLabels(x), FEATURES, "objective=binary", 3)) {
      t.save(lightGbm);
    }
    // xgboost4j itself sometimes crashed the JVM on these; shardscore checks the syntax first.
    for (Path bad :
        List.of(
            truncatedJson,
            truncatedUbj,
            lastByteCutUbj,
            lastBraceCutJson,
            garbage,
            ubjNamedJson,
            lightGbm)) {
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
          e.getMessage().startsWith("Cannot load model " + bad + " with XGBoost: "),
          e.getMessage());
      assertTrue(e.getMessage().contains("complete XGBoost model"), e.getMessage());
      assertTrue(!e.getMessage().contains("Stack trace"), e.getMessage());
    }
  }
}

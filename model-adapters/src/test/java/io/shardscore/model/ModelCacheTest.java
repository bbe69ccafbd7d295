package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verified local model cache, and the registry loading only from it. */
class ModelCacheTest {
  private static final float[] ROW = {0.3f, -1.2f, 0.8f, 2f};

  @TempDir Path dir;

  private static ModelSpec spec(Path file) {
    return new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), 4);
  }

  private static List<Path> listing(Path root) throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.map(Path::getFileName).sorted().toList();
    }
  }

  @Test
  void aCopyIsKeptUnderItsDigestWithItsExternalDataAndReused() throws Exception {
    Path model = dir.resolve("src").resolve("m.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(1, 4, 8, 3), model, "w/m.bin");
    ModelSpec spec = spec(model);
    ModelCache cache = new ModelCache(dir.resolve("cache"));
    Path copy = cache.localCopy(spec, ModelFiles.local(model));
    assertEquals(cache.root().resolve(spec.digest() + "-onnx").resolve("model.onnx"), copy);
    assertArrayEquals(Files.readAllBytes(model), Files.readAllBytes(copy));
    assertArrayEquals(
        Files.readAllBytes(model.resolveSibling("w/m.bin")),
        Files.readAllBytes(copy.resolveSibling("w/m.bin")));
    assertEquals(spec.digest(), ModelDigest.of(copy));
    assertEquals(
        copy, cache.localCopy(spec, new UnreadableFiles()), "a good copy is used as it is");
    assertEquals(
        List.of(Path.of(spec.digest() + "-onnx")), listing(cache.root()), "no temporary leftovers");
  }

  @Test
  void aDeclaredFileIsCopiedWithTheModelAndAChangedCopyOfItIsNotServed() throws Exception {
    Path model = dir.resolve("src").resolve("m.onnx");
    OnnxMlpWriter.write(Mlp.seeded(3, 4, 8, 3), model);
    Files.createDirectories(model.resolveSibling("vocab"));
    Files.writeString(model.resolveSibling("vocab").resolve("tokenizer.json"), "{}");
    List<String> declared = List.of("vocab/tokenizer.json");
    String digest = ModelDigest.of(ModelEngine.ONNX_RUNTIME, ModelFiles.local(model), declared);
    ModelCache cache = new ModelCache(dir.resolve("cache"));
    Path copy =
        cache.localCopy(
            digest, ModelEngine.ONNX_RUNTIME, "m.onnx", ModelFiles.local(model), declared);
    Path tokenizer = copy.resolveSibling("vocab/tokenizer.json");
    assertEquals("{}", Files.readString(tokenizer));
    // A cached tokenizer whose bytes changed (a hand edit, a bad disk) is not the model's.
    Files.writeString(tokenizer, "{\"changed\": 1}");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                cache.localCopy(
                    digest, ModelEngine.ONNX_RUNTIME, "m.onnx", new UnreadableFiles(), declared));
    assertEquals("the source was read", e.getMessage(), "the changed copy is not used");
    cache.localCopy(digest, ModelEngine.ONNX_RUNTIME, "m.onnx", ModelFiles.local(model), declared);
    assertEquals("{}", Files.readString(tokenizer), "copied again from the source");
    Files.delete(model.resolveSibling("vocab/tokenizer.json"));
    ModelCache empty = new ModelCache(dir.resolve("cache2"));
    ModelLoadException missing =
        assertThrows(
            ModelLoadException.class,
            () ->
                empty.localCopy(
                    digest, ModelEngine.ONNX_RUNTIME, "m.onnx", ModelFiles.local(model), declared));
    assertTrue(
        missing.getMessage().contains("needs 'vocab/tokenizer.json' beside it"),
        missing.getMessage());
  }

  @Test
  void aTokenizerBesideAnOnnxModelWithExternalDataIsCopiedWithBothAndAChangeMidRunIsRefused()
      throws Exception {
    Path model = dir.resolve("src").resolve("m.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(1, 4, 8, 3), model, "w/m.bin");
    Files.writeString(model.resolveSibling("tokenizer.json"), "{\"v\": 1}");
    List<String> declared = List.of("tokenizer.json");
    String digest = ModelDigest.of(ModelEngine.ONNX_RUNTIME, ModelFiles.local(model), declared);
    ModelCache cache = new ModelCache(dir.resolve("cache"));
    Path copy =
        cache.localCopy(
            digest, ModelEngine.ONNX_RUNTIME, "m.onnx", ModelFiles.local(model), declared);
    assertArrayEquals(
        Files.readAllBytes(model.resolveSibling("w/m.bin")),
        Files.readAllBytes(copy.resolveSibling("w/m.bin")));
    assertEquals("{\"v\": 1}", Files.readString(copy.resolveSibling("tokenizer.json")));
    // The driver planned with this digest; the tokenizer changes before an executor copies it.
    Files.writeString(model.resolveSibling("tokenizer.json"), "{\"v\": 2}");
    ModelCache executor = new ModelCache(dir.resolve("executor-cache"));
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                executor.localCopy(
                    digest, ModelEngine.ONNX_RUNTIME, "m.onnx", ModelFiles.local(model), declared));
    assertTrue(e.getMessage().contains("changed while the job ran"), e.getMessage());
    assertFalse(
        Files.exists(executor.root().resolve(digest + "-onnx")), "no copy under the old digest");
    // The weights changing instead is caught the same way: both are in the one digest.
    Files.writeString(model.resolveSibling("tokenizer.json"), "{\"v\": 1}");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(2, 4, 8, 3), model, "w/m.bin");
    e =
        assertThrows(
            ModelLoadException.class,
            () ->
                executor.localCopy(
                    digest, ModelEngine.ONNX_RUNTIME, "m.onnx", ModelFiles.local(model), declared));
    assertTrue(e.getMessage().contains("changed while the job ran"), e.getMessage());
  }

  @Test
  void aStaleOrHalfWrittenCopyIsReplacedNotServed() throws Exception {
    Path model = dir.resolve("half.onnx");
    Mlp mlp = Mlp.seeded(2, 4, 8, 3);
    OnnxMlpWriter.write(mlp, model);
    ModelSpec spec = spec(model);
    ModelCache cache = new ModelCache(dir.resolve("cache"));
    Path entry = cache.root().resolve(spec.digest() + "-onnx");
    Files.createDirectories(entry);
    byte[] bytes = Files.readAllBytes(model);
    // What a writer that died mid-copy, or one that did not check, leaves under the digest.
    Files.write(entry.resolve("model.onnx"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    IOException e =
        assertThrows(IOException.class, () -> cache.localCopy(spec, new UnreadableFiles()));
    assertEquals("the source was read", e.getMessage(), "the bad copy is not used");
    Path copy = cache.localCopy(spec, ModelFiles.local(model));
    assertArrayEquals(bytes, Files.readAllBytes(copy));
    assertEquals(List.of(Path.of(spec.digest() + "-onnx")), listing(cache.root()));
    // The registry loads that copy and scores with it.
    ModelCache before = ModelRegistry.useCache(cache);
    try (ScoringSession s =
        ModelRegistry.acquire(spec, () -> model, EngineSettings.forTaskCpus(1)).newSession()) {
      assertEquals(mlp.predict(ROW)[0], s.predict(new FeatureBatch(ROW, 1, 4)).get(0, 0), 1e-5);
    } finally {
      ModelRegistry.useCache(before);
    }
  }

  @Test
  void theSameBytesInTwoFormatsAreTwoCopiesThatNeverDisplaceEachOther() throws Exception {
    // An XGBoost model's bytes named .ubj and named .json have one digest but are read as two
    // formats. Sharing one folder made each JVM (or thread) that needed the other name move the
    // folder aside while the first was loading from it ("model.ubj: No such file").
    Path ubj = dir.resolve("booster.ubj");
    Files.write(ubj, new byte[] {'{', 'U', 0x01, 'x', '}'});
    Path json = Files.copy(ubj, dir.resolve("booster.json"));
    String digest = ModelDigest.of(ubj, ModelEngine.XGBOOST);
    ModelCache cache = new ModelCache(dir.resolve("cache"));
    Path asUbj =
        cache.localCopy(digest, ModelEngine.XGBOOST, ubj.toString(), ModelFiles.local(ubj));
    Path asJson =
        cache.localCopy(digest, ModelEngine.XGBOOST, json.toString(), ModelFiles.local(json));
    assertEquals("model.ubj", asUbj.getFileName().toString());
    assertEquals("model.json", asJson.getFileName().toString());
    assertTrue(Files.isRegularFile(asUbj), "the UBJ copy is still there after the JSON one");
    assertEquals(
        asUbj, cache.localCopy(digest, ModelEngine.XGBOOST, ubj.toString(), new UnreadableFiles()));
    assertEquals(
        asJson,
        cache.localCopy(digest, ModelEngine.XGBOOST, json.toString(), new UnreadableFiles()));
    assertEquals(
        List.of(Path.of(digest + "-json"), Path.of(digest + "-ubj")), listing(cache.root()));
  }

  @Test
  void aSourceThatNoLongerMatchesTheDigestIsRefusedAndLeavesNothing() throws Exception {
    Path model = dir.resolve("swapped.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(3, 4, 3), model, "swapped.bin");
    ModelSpec planned = spec(model);
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(4, 4, 3), model, "swapped.bin");
    ModelCache cache = new ModelCache(dir.resolve("cache"));
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class, () -> cache.localCopy(planned, ModelFiles.local(model)));
    assertTrue(e.getMessage().contains("changed while the job ran"), e.getMessage());
    assertEquals(List.of(), listing(cache.root()));
  }

  @Test
  void aMissingWeightsFileIsNamedWhenCopying() throws Exception {
    Path model = dir.resolve("src").resolve("gone.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(5, 4, 3), model, "gone.bin");
    ModelSpec spec = spec(model);
    Files.delete(model.resolveSibling("gone.bin"));
    ModelCache cache = new ModelCache(dir.resolve("cache"));
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class, () -> cache.localCopy(spec, ModelFiles.local(model)));
    assertTrue(e.getMessage().contains("'gone.bin'"), e.getMessage());
    assertEquals(List.of(), listing(cache.root()));
  }

  /**
   * Threads with caches of their own on one folder, as JVMs on one host, copy the same model at
   * once (released together by a barrier), again and again: every one gets the whole, verified
   * model and nothing is left behind.
   */
  @Test
  void concurrentCopiesOfOneModelAllGetTheVerifiedFiles() throws Exception {
    Path model = dir.resolve("src").resolve("race.onnx");
    OnnxMlpWriter.writeWithExternalData(Mlp.seeded(6, 4, 32, 3), model, "race.bin");
    ModelSpec spec = spec(model);
    Path root = dir.resolve("shared");
    int threads = 6;
    int rounds = 20;
    CyclicBarrier together = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  List<String> digests = new ArrayList<>();
                  for (int r = 0; r < rounds; r++) {
                    if (r % 5 == 0) {
                      together.await(5, TimeUnit.MINUTES);
                      deleteEntryOnce(root.resolve(spec.digest()));
                    }
                    together.await(5, TimeUnit.MINUTES);
                    Path copy = new ModelCache(root).localCopy(spec, ModelFiles.local(model));
                    digests.add(ModelDigest.of(copy));
                  }
                  return digests;
                }));
      }
      for (Future<List<String>> f : results) {
        for (String d : f.get()) {
          assertEquals(spec.digest(), d);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(
        List.of(Path.of(spec.digest() + "-onnx")), listing(root), "no temporary leftovers");
  }

  /** Every few rounds the copy is removed (by one thread) so that the threads race to write it. */
  private static void deleteEntryOnce(Path entry) throws Exception {
    synchronized (ModelCacheTest.class) {
      if (Files.isDirectory(entry)) {
        try (Stream<Path> files = Files.walk(entry)) {
          for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
    assertFalse(Files.exists(entry));
  }
}

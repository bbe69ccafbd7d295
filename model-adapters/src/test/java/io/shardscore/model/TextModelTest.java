package io.shardscore.model;

import static io.shardscore.model.TextModels.MAX_LENGTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text models through a HuggingFace tokenizer ({@code tokenizer.json} beside the model): the ids
 * against hand-checked ones and against the script's own tokenization, and the probabilities of a
 * TorchScript and an ONNX text classifier against PyTorch's, tolerance 1e-5 (float32 both sides).
 */
class TextModelTest {
  private static final double TOLERANCE = 1e-5;
  private static final TextInput WITH_MASK =
      new TextInput("tokenizer.json", MAX_LENGTH, true, true);
  private static final TextInput IDS_ONLY =
      new TextInput("tokenizer.json", MAX_LENGTH, true, false);

  @TempDir static Path dir;
  private static TextModels made;

  @BeforeAll
  static void make() throws IOException, InterruptedException {
    made = TextModels.run(dir.resolve("text"));
  }

  private static ModelSpec spec(Path file, ModelEngine engine, TextInput text) {
    try {
      return new ModelSpec(
          file.toString(),
          engine,
          ModelDigest.of(
              engine,
              ModelFiles.local(file),
              text.tokenizerFile() == null
                  ? java.util.List.of()
                  : java.util.List.of(text.tokenizerFile())),
          text.width(),
          OutputType.PROBABILITY,
          text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static LoadedModel acquire(Path file, ModelEngine engine, TextInput text) {
    return ModelRegistry.acquire(
        spec(file, engine, text), () -> file, EngineSettings.forTaskCpus(1));
  }

  /** Every text encoded and scored in one batch; the reasons of texts that cannot be are kept. */
  private static float[] score(Path file, ModelEngine engine, TextInput text) {
    int n = made.texts().size();
    float[] rows = new float[n * text.width()];
    try (ScoringSession session = acquire(file, engine, text).newSession()) {
      for (int r = 0; r < n; r++) {
        assertNull(session.textEncoder().encode(made.texts().get(r), rows, r * text.width()));
      }
      ModelOutput out = session.predict(new FeatureBatch(rows, n, text.width()));
      assertEquals(n, out.rows());
      assertEquals(2, out.width());
      return out.values();
    }
  }

  private static void assertPyTorchProbabilities(float[] got) {
    Set<Float> distinct = new HashSet<>();
    for (int i = 0; i < got.length; i++) {
      assertEquals(made.probabilities()[i], got[i], TOLERANCE, "value " + i);
      distinct.add(got[i]);
    }
    assertTrue(distinct.size() > 40, "predictions vary across texts: " + distinct.size());
  }

  @Test
  void theTokenizerGivesTheHandCheckedIdsAndTheScriptsOwn() {
    try (ScoringSession session =
        acquire(made.dir().resolve("text_mask.pt"), ModelEngine.PYTORCH, WITH_MASK).newSession()) {
      TextEncoder encoder = session.textEncoder();
      // [CLS] = 2, good = 3, movie = 5, ! = 20, [UNK] = 1; lowercased, punctuation split off.
      assertArrayEquals(new long[] {2, 3, 5, 20}, encoder.tokenIds("Good movie!"));
      assertArrayEquals(new long[] {2, 1, 16}, encoder.tokenIds("Spielberg the"));
      assertArrayEquals(new long[] {2}, encoder.tokenIds(""));
      float[] row = new float[WITH_MASK.width()];
      assertNull(encoder.encode("bad plot", row, 0));
      assertArrayEquals(
          new float[] {2, 4, 6, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0}, row, "ids, then the mask");
      for (int r = 0; r < made.texts().size(); r++) {
        long[] ids = encoder.tokenIds(made.texts().get(r));
        assertArrayEquals(made.tokens().get(r), ids, "text " + r + ": " + made.texts().get(r));
      }
    }
  }

  @Test
  void aTorchScriptTextClassifierWithAMaskPredictsWhatPyTorchComputed() {
    assertPyTorchProbabilities(
        score(made.dir().resolve("text_mask.pt"), ModelEngine.PYTORCH, WITH_MASK));
  }

  @Test
  void aTorchScriptTextClassifierOfIdsAlonePredictsTheSame() {
    assertPyTorchProbabilities(
        score(made.dir().resolve("text_ids.pt"), ModelEngine.PYTORCH, IDS_ONLY));
  }

  @Test
  void anOnnxTextClassifierPredictsWhatPyTorchComputed() {
    assertPyTorchProbabilities(
        score(made.dir().resolve("text_mask.onnx"), ModelEngine.ONNX_RUNTIME, WITH_MASK));
  }

  @Test
  void reversedTokensDoNotMatchPyTorch() {
    int n = made.texts().size();
    float[] rows = new float[n * IDS_ONLY.width()];
    try (ScoringSession session =
        acquire(made.dir().resolve("text_ids.pt"), ModelEngine.PYTORCH, IDS_ONLY).newSession()) {
      for (int r = 0; r < n; r++) {
        String[] words = made.texts().get(r).split(" ");
        java.util.Collections.reverse(java.util.Arrays.asList(words));
        session.textEncoder().encode(String.join(" ", words), rows, r * MAX_LENGTH);
      }
      float[] got = session.predict(new FeatureBatch(rows, n, MAX_LENGTH)).values();
      int off = 0;
      for (int r = 0; r < n; r++) {
        if (Math.abs(made.probabilities()[2 * r] - got[2 * r]) > TOLERANCE) {
          off++;
        }
      }
      // Reversed words keep a text's bag of words unless it was truncated: the long texts differ.
      assertTrue(off > 5, "truncating other words changes the long texts: " + off);
    }
  }

  @Test
  void withoutTruncationALongTextIsUnscorableWithItsLength() throws IOException {
    Path copy = Files.copy(made.dir().resolve("text_ids.pt"), dir.resolve("strict.pt"));
    Files.copy(made.dir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    TextInput strict = new TextInput("tokenizer.json", MAX_LENGTH, false, false);
    try (ScoringSession session = acquire(copy, ModelEngine.PYTORCH, strict).newSession()) {
      float[] row = new float[MAX_LENGTH];
      assertNull(session.textEncoder().encode("good good good good good good good", row, 0));
      String reason =
          session.textEncoder().encode("good good good good good good good good", row, 0);
      assertEquals(
          "text has 9 tokens, more than model.text.max-length 8 (set model.text.truncation: true"
              + " to cut it)",
          reason);
    }
  }

  @Test
  void theTokenizerIsPartOfTheModelsDigest() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("digest"));
    Path model = Files.copy(made.dir().resolve("text_ids.pt"), folder.resolve("m.pt"));
    Files.copy(made.dir().resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
    String plain = ModelDigest.of(model, ModelEngine.PYTORCH);
    String before = spec(model, ModelEngine.PYTORCH, IDS_ONLY).digest();
    assertNotEquals(plain, before, "the tokenizer's bytes are in the digest");
    Files.writeString(
        folder.resolve("tokenizer.json"),
        Files.readString(folder.resolve("tokenizer.json")).replace("\"plot\"", "\"plots\""));
    assertNotEquals(
        before, spec(model, ModelEngine.PYTORCH, IDS_ONLY).digest(), "a new vocabulary");
  }

  @Test
  void aMissingOrBrokenTokenizerIsRefusedNamingTheFile() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("no-tokenizer"));
    Path model = Files.copy(made.dir().resolve("text_ids.pt"), folder.resolve("m.pt"));
    ModelLoadException missing =
        assertThrows(ModelLoadException.class, () -> spec(model, ModelEngine.PYTORCH, IDS_ONLY));
    assertTrue(
        missing.getMessage().contains("needs 'tokenizer.json' beside it"), missing.getMessage());
    assertTrue(missing.getMessage().contains(folder.resolve("tokenizer.json").toString()));

    Files.write(
        folder.resolve("tokenizer.json"), "{\"model\": 7}".getBytes(StandardCharsets.UTF_8));
    ModelLoadException broken =
        assertThrows(ModelLoadException.class, () -> acquire(model, ModelEngine.PYTORCH, IDS_ONLY));
    System.out.println("observed: " + broken.getMessage());
    assertTrue(
        broken.getMessage().contains("Cannot read the tokenizer 'tokenizer.json'"),
        broken.getMessage());
    assertTrue(broken.getMessage().contains("HuggingFace tokenizer.json"), broken.getMessage());
  }

  @Test
  void aTokenizerOutsideTheModelsFolderIsRefused() {
    Path model = made.dir().resolve("text_ids.pt");
    TextInput outside = new TextInput("../tokenizer.json", MAX_LENGTH, true, false);
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> spec(model, ModelEngine.PYTORCH, outside));
    assertTrue(e.getMessage().contains("not a path inside the model's folder"), e.getMessage());
  }

  @Test
  void inputsOtherThanTheModelsAreRefusedAtLoad() {
    // The mask model fed ids alone: TorchScript's own reason, before any row.
    ModelLoadException torch =
        assertThrows(
            ModelLoadException.class,
            () -> acquire(made.dir().resolve("text_mask.pt"), ModelEngine.PYTORCH, IDS_ONLY));
    System.out.println("observed: " + torch.getMessage());
    assertTrue(
        torch.getMessage().contains("int64 token ids, the input model.text feeds it"),
        torch.getMessage());
    // ONNX declares its inputs: their count and their length are checked by name.
    ModelLoadException count =
        assertThrows(
            ModelLoadException.class,
            () ->
                acquire(made.dir().resolve("text_mask.onnx"), ModelEngine.ONNX_RUNTIME, IDS_ONLY));
    assertTrue(
        count.getMessage().contains("has 2 inputs [input_ids, attention_mask]"),
        count.getMessage());
    TextInput longer = new TextInput("tokenizer.json", 16, true, true);
    ModelLoadException length =
        assertThrows(
            ModelLoadException.class,
            () -> acquire(made.dir().resolve("text_mask.onnx"), ModelEngine.ONNX_RUNTIME, longer));
    assertTrue(length.getMessage().contains("index: 1 Got: 16 Expected: 8"), length.getMessage());
    assertTrue(
        length.getMessage().contains("fails on two rows of 16 int64 token ids"),
        length.getMessage());
  }

  @Test
  void aMaxLengthOver512IsTheLengthTheTokenizerCutsAt() {
    // DJL's tokenizer caps its length at a model_max_length of 512 unless told otherwise: a text
    // of 700 words must keep 600 tokens at max-length 600, not 512 and zeros after them.
    TextInput long600 = new TextInput("tokenizer.json", 600, true, true);
    try (TextEncoder encoder =
        TextEncoder.load(made.dir().resolve("tokenizer.json"), long600, "m.pt")) {
      String text = "good ".repeat(700);
      assertEquals(600, encoder.tokenIds(text).length);
      float[] row = new float[long600.width()];
      assertNull(encoder.encode(text, row, 0));
      assertEquals(2, row[0], "[CLS]");
      for (int i = 1; i < 600; i++) {
        assertEquals(3, row[i], "token " + i + " is 'good'");
        assertEquals(1, row[600 + i], "mask " + i);
      }
    }
  }

  @Test
  void unicodeEmptyAndVeryLongTextsEncode() {
    TextInput strict = new TextInput("tokenizer.json", MAX_LENGTH, false, true);
    try (TextEncoder cut = TextEncoder.load(made.dir().resolve("tokenizer.json"), IDS_ONLY, "m");
        TextEncoder whole = TextEncoder.load(made.dir().resolve("tokenizer.json"), strict, "m")) {
      // An emoji run and a NUL are one unknown token each, like any other punctuation run.
      assertArrayEquals(
          new long[] {2, 3, 1, 5}, cut.tokenIds("good \uD83D\uDE00\uD83C\uDFAC movie"));
      assertArrayEquals(new long[] {2, 3, 1, 5}, cut.tokenIds("good\u0000movie"));
      assertArrayEquals(new long[] {2, 1, 5}, cut.tokenIds("gr\u00e9at movie"));
      assertArrayEquals(new long[] {2}, cut.tokenIds(" \t\n "));
      String huge = "good ".repeat(20_000);
      assertEquals(100_000, huge.length());
      float[] row = new float[strict.width()];
      assertNull(cut.encode(huge, row, 0));
      assertArrayEquals(new float[] {2, 3, 3, 3, 3, 3, 3, 3}, java.util.Arrays.copyOf(row, 8));
      assertEquals(
          "text has 20001 tokens, more than model.text.max-length 8 (set model.text.truncation:"
              + " true to cut it)",
          whole.encode(huge, row, 0));
      assertNull(whole.encode("", row, 0));
      assertArrayEquals(
          new float[] {2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, row, "[CLS] only");
    }
  }

  @Test
  void oneEncoderGivesEveryTaskThreadTheSameIdsAsOneThreadDoes() throws Exception {
    int n = made.texts().size();
    try (TextEncoder encoder =
        TextEncoder.load(made.dir().resolve("tokenizer.json"), WITH_MASK, "m")) {
      float[] alone = new float[n * WITH_MASK.width()];
      for (int r = 0; r < n; r++) {
        assertNull(encoder.encode(made.texts().get(r), alone, r * WITH_MASK.width()));
      }
      int threads = 8;
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        java.util.List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    float[] rows = new float[n * WITH_MASK.width()];
                    for (int round = 0; round < 50; round++) {
                      for (int r = 0; r < n; r++) {
                        assertNull(
                            encoder.encode(made.texts().get(r), rows, r * WITH_MASK.width()));
                      }
                    }
                    return rows;
                  }));
        }
        for (java.util.concurrent.Future<float[]> f : results) {
          assertArrayEquals(alone, f.get());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void oneModelWithOtherTextSettingsIsAnotherLoadedModelWithItsOwnTokenizer() {
    Path model = made.dir().resolve("text_ids.pt");
    TextInput strict = new TextInput("tokenizer.json", MAX_LENGTH, false, false);
    try (LoadedModel cut = acquire(model, ModelEngine.PYTORCH, IDS_ONLY);
        LoadedModel whole = acquire(model, ModelEngine.PYTORCH, strict);
        ScoringSession a = cut.newSession();
        ScoringSession b = whole.newSession()) {
      String nine = "good good good good good good good good";
      float[] row = new float[MAX_LENGTH];
      assertNull(a.textEncoder().encode(nine, row, 0), "cut to 8 tokens");
      assertTrue(b.textEncoder().encode(nine, row, 0).startsWith("text has 9 tokens"));
      assertEquals(IDS_ONLY, a.textEncoder().input());
      assertEquals(strict, b.textEncoder().input());
    }
  }

  @Test
  void aTokenizerNamedThroughAFolderItLeavesLoadsTheFileTheDigestCovers() throws IOException {
    // 'sub/../tokenizer.json' is 'tokenizer.json' to the digest and the model cache (which
    // copies it there); the load must read that copy, not look for a 'sub' folder in the cache.
    Path folder = Files.createDirectories(dir.resolve("dotted"));
    Path model = Files.copy(made.dir().resolve("text_ids.pt"), folder.resolve("m.pt"));
    Files.copy(made.dir().resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
    Files.createDirectories(folder.resolve("sub"));
    TextInput dotted = new TextInput("sub/../tokenizer.json", MAX_LENGTH, true, false);
    assertEquals(
        spec(model, ModelEngine.PYTORCH, IDS_ONLY).digest(),
        spec(model, ModelEngine.PYTORCH, dotted).digest(),
        "the same file");
    try (ScoringSession session = acquire(model, ModelEngine.PYTORCH, dotted).newSession()) {
      assertArrayEquals(new long[] {2, 3, 5, 20}, session.textEncoder().tokenIds("Good movie!"));
    }
  }

  @Test
  void aTokenizerNamedLikeTheCachedModelFileOrAbsoluteIsRefusedNamingIt() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("clash"));
    Path model = Files.copy(made.dir().resolve("text_ids.pt"), folder.resolve("m.pt"));
    Files.copy(made.dir().resolve("tokenizer.json"), folder.resolve("model.pt"));
    TextInput clash = new TextInput("model.pt", MAX_LENGTH, true, false);
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> acquire(model, ModelEngine.PYTORCH, clash));
    assertTrue(
        e.getMessage().contains("needs the file 'model.pt', a name shardscore's model cache uses"),
        e.getMessage());
    TextInput absolute =
        new TextInput(folder.resolve("tokenizer.json").toString(), MAX_LENGTH, true, false);
    e = assertThrows(ModelLoadException.class, () -> spec(model, ModelEngine.PYTORCH, absolute));
    assertTrue(e.getMessage().contains("not a path inside the model's folder"), e.getMessage());
  }

  @Test
  void anOnnxModelThatTakesTheMaskFirstIsRefusedNotFedIdsAsItsMask() {
    // model.text feeds ids, then the mask, by position: a graph declaring attention_mask first
    // would read the ids as its mask and the mask as its ids, and predict without an error.
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                acquire(
                    made.dir().resolve("text_mask_first.onnx"),
                    ModelEngine.ONNX_RUNTIME,
                    WITH_MASK));
    assertTrue(e.getMessage().contains("[attention_mask, input_ids]"), e.getMessage());
  }

  @Test
  void aMaxLengthBelowTheTokenizersSpecialTokensIsRefusedAtLoad() throws IOException {
    // Two special tokens before every text: at max-length 1 the tokenizer cannot cut a text to
    // fit (it leaves it whole), so every row would go to _errors, even with truncation on, with
    // a reason that says to turn truncation on.
    Path folder = Files.createDirectories(dir.resolve("two-special"));
    String json = Files.readString(made.dir().resolve("tokenizer.json"));
    assertTrue(json.contains("\"single\": ["));
    Files.writeString(
        folder.resolve("tokenizer.json"),
        json.replace(
            "\"single\": [",
            "\"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}},"));
    for (boolean truncate : new boolean[] {true, false}) {
      TextInput one = new TextInput("tokenizer.json", 1, truncate, false);
      ModelLoadException e =
          assertThrows(
              ModelLoadException.class,
              () -> TextEncoder.load(folder.resolve("tokenizer.json"), one, "m.pt"));
      assertTrue(
          e.getMessage()
              .contains(
                  "max-length is 1, but the tokenizer 'tokenizer.json' of model"
                      + " m.pt adds 2 special tokens"),
          e.getMessage());
    }
    TextInput two = new TextInput("tokenizer.json", 2, true, false);
    try (TextEncoder encoder = TextEncoder.load(folder.resolve("tokenizer.json"), two, "m.pt")) {
      float[] row = new float[2];
      assertNull(encoder.encode("good movie", row, 0));
      assertArrayEquals(new float[] {2, 2}, row, "the special tokens alone");
    }
  }

  @Test
  void paddingAndTruncationSavedInTheTokenizerDoNotChangeTheModelsLength() throws IOException {
    // A tokenizer.json saved after enable_padding(pad_to_multiple_of=16) and
    // enable_truncation(max_length=64, stride=16): model.text decides the length, not the file.
    Path folder = Files.createDirectories(dir.resolve("saved-settings"));
    String json = Files.readString(made.dir().resolve("tokenizer.json"));
    assertTrue(json.contains("\"truncation\": null") && json.contains("\"padding\": null"));
    Files.writeString(
        folder.resolve("tokenizer.json"),
        json.replace(
                "\"truncation\": null",
                "\"truncation\": {\"direction\": \"Right\", \"max_length\": 64, \"strategy\":"
                    + " \"LongestFirst\", \"stride\": 16}")
            .replace(
                "\"padding\": null",
                "\"padding\": {\"strategy\": \"BatchLongest\", \"direction\": \"Right\","
                    + " \"pad_to_multiple_of\": 16, \"pad_id\": 0, \"pad_type_id\": 0,"
                    + " \"pad_token\": \"[PAD]\"}"));
    try (TextEncoder encoder =
        TextEncoder.load(folder.resolve("tokenizer.json"), WITH_MASK, "m.pt")) {
      float[] row = new float[WITH_MASK.width()];
      assertNull(encoder.encode("bad plot", row, 0));
      assertArrayEquals(new float[] {2, 4, 6, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0}, row);
      assertNull(encoder.encode("good ".repeat(20), row, 0), "cut to 8");
      assertArrayEquals(new float[] {2, 3, 3, 3, 3, 3, 3, 3}, java.util.Arrays.copyOf(row, 8));
    }
  }

  @Test
  void treeEnginesTakeNoText() {
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                new ModelSpec(
                    "churn.json",
                    ModelEngine.XGBOOST,
                    "0".repeat(64),
                    MAX_LENGTH,
                    OutputType.PROBABILITY,
                    IDS_ONLY));
    assertTrue(
        e.getMessage().contains("text through a tokenizer is for ONNX and TorchScript"),
        e.getMessage());
  }
}

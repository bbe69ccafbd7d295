package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequence inputs fed to {@code torch/make_sequence_types.py}'s scripted model, which reports per
 * row the element types of the sequence and its mask, the length it was fed, the row's mask sum and
 * the row's sum of values: the types model.input-types names, padding per batch (also for each part
 * of a batch split after an out-of-memory error, and for a batch coalesced from several tasks), row
 * order, and one registry entry per layout.
 */
class SequenceReviewTest {
  private static final int MAX = 4;
  private static final int WIDTH = MAX + 1;

  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void make() throws Exception {
    PythonScript.run("/torch/make_sequence_types.py", "python3-torch", dir);
    model = dir.resolve("sequence_types.pt");
  }

  private static ModelSpec spec(ModelInput input) {
    return new ModelSpec(
        model.toString(),
        ModelEngine.PYTORCH,
        ModelDigest.of(model, ModelEngine.PYTORCH),
        input.width(),
        OutputType.PROBABILITY,
        null,
        null,
        null,
        List.of(input),
        null);
  }

  private static LoadedModel acquire(ModelInput input) {
    return ModelRegistry.acquire(spec(input), () -> model, EngineSettings.forTaskCpus(1));
  }

  /** Rows as the batch job writes them: length, values (row r's value e is r + e + 1), zeros. */
  private static float[] rows(int... lengths) {
    float[] out = new float[lengths.length * WIDTH];
    for (int r = 0; r < lengths.length; r++) {
      out[r * WIDTH] = lengths[r];
      for (int e = 0; e < lengths[r]; e++) {
        out[r * WIDTH + 1 + e] = r + e + 1;
      }
    }
    return out;
  }

  private static float sum(int row, int length) {
    float s = 0;
    for (int e = 0; e < length; e++) {
      s += row + e + 1;
    }
    return s;
  }

  /** The types whose values take one float of a batch row (float64 takes three). */
  private static final java.util.List<InputType> ONE_SLOT =
      java.util.List.of(InputType.FLOAT32, InputType.INT32, InputType.INT64);

  private static float code(InputType t) {
    return switch (t) {
      case FLOAT32 -> 0f;
      case INT32 -> 1f;
      case INT64 -> 2f;
      case FLOAT64 -> throw new IllegalArgumentException("rows() lays out one float per value");
    };
  }

  @Test
  void theSequenceAndItsMaskAreFedOfTheTypesModelInputTypesNames() {
    for (InputType values : ONE_SLOT) {
      for (InputType mask : ONE_SLOT) {
        ModelInput input = ModelInput.sequence("events", MAX, values, "events_mask", mask);
        int[] lengths = {2, 0, 3};
        try (LoadedModel m = acquire(input);
            ScoringSession s = m.newSession()) {
          ModelOutput out = s.predict(new FeatureBatch(rows(lengths), 3, WIDTH));
          for (int r = 0; r < 3; r++) {
            String what = values + "/" + mask + " row " + r;
            assertEquals(code(values), out.get(r, 0), what + ": values' type");
            assertEquals(code(mask), out.get(r, 1), what + ": mask's type");
            assertEquals(3f, out.get(r, 2), what + ": padded to the longest row");
            assertEquals(lengths[r], out.get(r, 3), what + ": mask sum");
            assertEquals(sum(r, lengths[r]), out.get(r, 4), what + ": values");
          }
        }
      }
    }
  }

  @Test
  void aBatchOfOnlyEmptyRowsIsFedOneColumnOfPaddingWithAnAllZeroMask() {
    ModelInput input = ModelInput.sequence("events", MAX, InputType.FLOAT32, "events_mask", null);
    try (LoadedModel m = acquire(input);
        ScoringSession s = m.newSession()) {
      ModelOutput out = s.predict(new FeatureBatch(rows(0, 0), 2, WIDTH));
      for (int r = 0; r < 2; r++) {
        assertEquals(1f, out.get(r, 2), "at least 1");
        assertEquals(0f, out.get(r, 3), "all-zero mask");
        assertEquals(0f, out.get(r, 4), "padding");
      }
    }
  }

  @Test
  void eachPartOfABatchSplitAfterOutOfMemoryIsPaddedToItsOwnLongestInRowOrder() {
    ModelInput input = ModelInput.sequence("events", MAX, InputType.FLOAT32, "events_mask", null);
    int[] lengths = {4, 1, 1, 1, 0, 2, 3, 1};
    List<Integer> calls = new ArrayList<>();
    try (LoadedModel m = acquire(input);
        ScoringSession s = m.newSession()) {
      Function<FeatureBatch, ModelOutput> failingAboveTwo =
          batch -> {
            calls.add(batch.rows());
            if (batch.rows() > 2) {
              throw new RuntimeException("CUDA out of memory. Tried to allocate 2.00 GiB");
            }
            return s.predict(batch);
          };
      ModelOutput out =
          OomBackoff.predict(
              new FeatureBatch(rows(lengths), lengths.length, WIDTH), failingAboveTwo, "types");
      assertEquals(List.of(8, 4, 2, 2, 2, 2), calls);
      float[] partLongest = {4, 4, 1, 1, 2, 2, 3, 3};
      for (int r = 0; r < lengths.length; r++) {
        assertEquals(partLongest[r], out.get(r, 2), "row " + r + ": its part's longest");
        assertEquals(lengths[r], out.get(r, 3), "row " + r + ": mask sum");
        assertEquals(sum(r, lengths[r]), out.get(r, 4), "row " + r + ": its own values");
      }
    }
  }

  @Test
  void batchesOfTwoTasksCoalescedAreFedTheLongerPaddingAndEachGetsItsOwnRows() throws Exception {
    ModelInput input = ModelInput.sequence("events", MAX, InputType.INT64, "events_mask", null);
    try (LoadedModel m = acquire(input)) {
      // Full at 5 rows, and a minute's wait: the two batches are one call, whichever comes first.
      DeviceBatcher batcher = m.batcher(new BatchingSettings(5, 60_000_000L));
      float[] shortRows = rows(1, 0, 1);
      float[] longRows = rows(4, 2);
      CompletableFuture<ModelOutput> a =
          CompletableFuture.supplyAsync(
              () -> batcher.predict(new FeatureBatch(shortRows, 3, WIDTH), () -> false));
      CompletableFuture<ModelOutput> b =
          CompletableFuture.supplyAsync(
              () -> batcher.predict(new FeatureBatch(longRows, 2, WIDTH), () -> false));
      ModelOutput outA = a.get();
      ModelOutput outB = b.get();
      assertEquals(1, batcher.calls(), "coalesced into one call");
      int[] la = {1, 0, 1};
      for (int r = 0; r < 3; r++) {
        assertEquals(4f, outA.get(r, 2), "short task's row " + r + " padded with the long one's");
        assertEquals(la[r], outA.get(r, 3));
        assertEquals(sum(r, la[r]), outA.get(r, 4));
      }
      int[] lb = {4, 2};
      for (int r = 0; r < 2; r++) {
        assertEquals(lb[r], outB.get(r, 3));
        assertEquals(sum(r, lb[r]), outB.get(r, 4));
      }
    }
  }

  @Test
  void specsOfAnotherMaximumLengthMaskNameOrMaskTypeAreLoadedApart() {
    // Names no other test here loads (a TorchScript model takes its inputs by position).
    List<ModelInput> layouts =
        List.of(
            ModelInput.sequence(
                "registry_events", MAX, InputType.FLOAT32, "registry_mask", InputType.INT64),
            ModelInput.sequence(
                "registry_events", MAX + 1, InputType.FLOAT32, "registry_mask", null),
            ModelInput.sequence(
                "registry_events", MAX, InputType.FLOAT32, "registry_mask", InputType.INT32),
            ModelInput.sequence("registry_events", MAX, InputType.FLOAT32, "m", InputType.INT64),
            ModelInput.sequence("registry_events", MAX, InputType.INT32, "registry_mask", null));
    List<LoadedModel> held = new ArrayList<>();
    try {
      int before = ModelRegistry.loadCount();
      for (ModelInput input : layouts) {
        held.add(acquire(input));
      }
      assertEquals(layouts.size(), ModelRegistry.loadCount() - before, "one load per layout");
      held.add(acquire(layouts.get(0)));
      assertEquals(layouts.size(), ModelRegistry.loadCount() - before, "the same layout: shared");
      // Each is fed its own layout: the int32 mask to the one loaded for it.
      try (ScoringSession s = held.get(2).newSession()) {
        assertEquals(1f, s.predict(new FeatureBatch(rows(2), 1, WIDTH)).get(0, 1));
      }
    } finally {
      held.forEach(LoadedModel::close);
    }
  }

  @Test
  void aModelWhoseOutputWidthFollowsTheSequenceLengthIsRefusedAtLoad() {
    // Its outputs as columns would be [batch, longest] for each batch: a column of another width
    // per batch, and every tensor after it read at the probe's offset (another tensor's values).
    Path steps = dir.resolve("sequence_steps.pt");
    ModelInput input = ModelInput.sequence("events", MAX, InputType.FLOAT32, "events_mask", null);
    ModelSpec spec =
        new ModelSpec(
            steps.toString(),
            ModelEngine.PYTORCH,
            ModelDigest.of(steps, ModelEngine.PYTORCH),
            WIDTH,
            OutputType.PROBABILITY,
            null,
            null,
            null,
            List.of(input),
            List.of("0", "1"));
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () -> ModelRegistry.acquire(spec, () -> steps, EngineSettings.forTaskCpus(1)).close());
    assertTrue(e.getMessage().contains("sequence"), e.getMessage());
    assertTrue(e.getMessage().contains("'0'"), e.getMessage());
  }
}

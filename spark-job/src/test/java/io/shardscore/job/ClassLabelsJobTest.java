package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.ModelOutputs;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.score.PredictionColumns;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class names from a labels file beside the model: the argmax's name and the top-k values with
 * their names, checked row by row against the written probabilities; the file is part of the
 * model's digest and is checked against the model's output before any task.
 */
class ClassLabelsJobTest {
  private static final List<String> NAMES = List.of("stay", "churn", "upgrade", "downgrade");

  @TempDir static Path dir;
  static Path input;

  @BeforeAll
  static void data() {
    input = SparkTestSession.customers(dir, 4_000);
  }

  /** A four-class model in its own folder, with {@code labels} as its labels file's text. */
  private static Path model(String name, String labels) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(name));
    float[][] scaling = DemoData.featureScaling();
    Mlp mlp = Mlp.seeded(77, DemoData.WIDTH, 16, 4).withInputScaling(scaling[0], scaling[1]);
    Path model = folder.resolve("classes.onnx");
    OnnxMlpWriter.write(mlp, model);
    Files.writeString(folder.resolve("labels.txt"), labels);
    return model;
  }

  private static JobYaml job(Path model, String output) {
    return JobYaml.demo(input, model, dir.resolve(output))
        .set("sharding.ranges", JobYaml.quoted("0-1999,2000-MAX"))
        .set("model.labels", "labels.txt")
        .set("model.outputs", "{top-k: 3}");
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "labels"))
        .execute();
  }

  @Test
  void theArgmaxAndTopKCarryTheClassNamesOfTheWrittenProbabilities() throws IOException {
    ScoreResult r = score(job(model("m", String.join("\n", NAMES) + "\n\n"), "out"));
    assertTrue(r.rowsScored() > 3_500, "rows scored: " + r.rowsScored());
    Set<String> argmaxNames = new HashSet<>();
    for (Row row :
        r.dataset()
            .select("probabilities", "label", "label_name", "top_labels", "top_scores")
            .collectAsList()) {
      List<Float> p = row.getList(0);
      List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3));
      // Largest first; the lower index first among equal values.
      order.sort(Comparator.comparing((Integer i) -> -p.get(i)).thenComparing(i -> i));
      assertEquals(order.get(0), row.getInt(1));
      assertEquals(NAMES.get(order.get(0)), row.getString(2));
      List<String> topLabels = row.getList(3);
      List<Float> topScores = row.getList(4);
      assertEquals(
          List.of(NAMES.get(order.get(0)), NAMES.get(order.get(1)), NAMES.get(order.get(2))),
          topLabels);
      assertEquals(
          List.of(p.get(order.get(0)), p.get(order.get(1)), p.get(order.get(2))), topScores);
      argmaxNames.add(row.getString(2));
    }
    assertTrue(argmaxNames.size() >= 2, "the argmax varies across rows: " + argmaxNames);
  }

  @Test
  void aChangedLabelsFileIsANewModelAndRescoresEveryShard() throws IOException {
    Path model = model("incremental", String.join("\n", NAMES));
    JobYaml yaml = job(model, "incremental-out").set("output.mode", "incremental");
    score(yaml);
    assertEquals(List.of(), Rescored.shards(score(yaml)), "nothing changed");
    Files.writeString(model.resolveSibling("labels.txt"), "stays\nchurn\nupgrade\ndowngrade\n");
    ScoreResult changed = score(yaml);
    assertEquals(List.of("0-1999", "2000-MAX", "unmatched", "null-key"), Rescored.shards(changed));
    List<String> written =
        changed
            .dataset()
            .select("label_name")
            .distinct()
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertTrue(
        Set.of("stays", "churn", "upgrade", "downgrade").containsAll(written),
        "every row has the new names: " + written);
    assertFalse(written.contains("stay"), "no row keeps the old name");
  }

  @Test
  void labelsThatDoNotFitTheModelFailBeforeAnyTaskAndWriteNothing() throws IOException {
    ModelLoadException few =
        assertThrows(
            ModelLoadException.class, () -> score(job(model("few", "stay\nchurn\n"), "few-out")));
    assertTrue(
        few.getMessage().contains("names 2 classes, but the model returns 4"), few.getMessage());
    assertFalse(Files.exists(dir.resolve("few-out")), "nothing written");

    ModelLoadException blank =
        assertThrows(
            ModelLoadException.class,
            () -> score(job(model("blank", "stay\n\nchurn\nupgrade\n"), "blank-out")));
    assertTrue(
        blank.getMessage().contains("has a blank line 2 between class names"), blank.getMessage());
    assertFalse(Files.exists(dir.resolve("blank-out")), "nothing written");

    ModelLoadException twice =
        assertThrows(
            ModelLoadException.class,
            () -> score(job(model("twice", "stay\nchurn\nupgrade\nchurn\n"), "twice-out")));
    assertTrue(
        twice.getMessage().contains("names class 'churn' on lines 2 and 4"), twice.getMessage());
    assertFalse(Files.exists(dir.resolve("twice-out")), "nothing written");

    Path missing = model("missing", "x");
    Files.delete(missing.resolveSibling("labels.txt"));
    ModelLoadException none =
        assertThrows(ModelLoadException.class, () -> score(job(missing, "missing-out")));
    assertTrue(none.getMessage().contains("needs 'labels.txt' beside it"), none.getMessage());
    assertFalse(Files.exists(dir.resolve("missing-out")), "nothing written");
  }

  @Test
  void classNameColumnsWithoutLabelsOrBeyondTheOutputAreRefused() throws IOException {
    JobYaml noLabels =
        job(model("no-labels", "a\nb\nc\nd"), "no-labels-out").remove("model.labels");
    JobConfigException e = assertThrows(JobConfigException.class, () -> score(noLabels));
    assertTrue(
        e.getMessage().contains("model.outputs.top-k writes class names, but the model has none"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("no-labels-out")), "nothing written");
    JobYaml tooMany =
        job(model("too-many", String.join("\n", NAMES)), "too-many-out")
            .set("model.outputs", "{top-k: 5}");
    e = assertThrows(JobConfigException.class, () -> score(tooMany));
    assertTrue(
        e.getMessage().contains("top-k is 5, but the model's output has 4 values"), e.getMessage());
  }

  @Test
  void outputsWithoutClassNamesKeepTheSettingsTextTheyHadBefore() {
    // The settings digest of every output committed before class names existed hashes this text.
    assertEquals(
        "PredictionColumns[probabilities=probabilities, score=score, scoreIndex=1, label=label,"
            + " outputWidth=2]",
        PredictionColumns.resolve(ModelOutputs.defaults(), 2).settingsText());
  }
}

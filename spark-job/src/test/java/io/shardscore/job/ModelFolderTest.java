package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelFiles;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models given as folders in DJL's layout: the model file found by {@code serving.properties} or by
 * its extension, {@code synset.txt} as the class names, and every file of the folder in the model's
 * digest.
 */
class ModelFolderTest {
  @TempDir static Path dir;
  static Path text;
  static Path reviews;
  static Path customers;
  static Map<Long, Double> positive = new HashMap<>();

  @BeforeAll
  static void data() throws IOException, InterruptedException {
    text = PythonModels.text(dir.resolve("made"));
    List<Row> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(text.resolve("texts.csv"));
    for (String line : lines.subList(1, lines.size())) {
      long id = Long.parseLong(line.substring(0, line.indexOf(',')));
      rows.add(RowFactory.create(id, line.substring(line.indexOf(',') + 1).replace("\"", "")));
    }
    List<String> expected = Files.readAllLines(text.resolve("expected.csv"));
    for (String line : expected.subList(1, expected.size())) {
      String[] f = line.split(",");
      positive.put(Long.parseLong(f[0]), Double.parseDouble(f[3]));
    }
    reviews = dir.resolve("reviews");
    SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.LongType, false)
                .add("review", DataTypes.StringType, false))
        .write()
        .parquet(reviews.toString());
    customers = SparkTestSession.customers(dir, 2_000);
  }

  /** A DJL folder: serving.properties, the TorchScript text model, its tokenizer and synset.txt. */
  private static Path textFolder(String name) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(name));
    Files.copy(text.resolve("text_mask.pt"), folder.resolve("classifier.pt"));
    Files.copy(text.resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
    Files.writeString(folder.resolve("synset.txt"), "negative\npositive\n");
    Files.writeString(
        folder.resolve("serving.properties"), "engine=PyTorch\noption.modelName=classifier\n");
    return folder;
  }

  private static JobYaml textJob(Path folder, String output) {
    return JobYaml.demo(reviews, folder, dir.resolve(output))
        .remove("model.features")
        .set("model.text", "{column: review, max-length: 8, attention-mask: true}")
        .set("sharding.ranges", JobYaml.quoted("0-30,31-MAX"));
  }

  /** The demo job over {@code model} (a folder), in two shards. */
  private static JobYaml customerJob(Path model, String output) {
    return JobYaml.demo(customers, model, dir.resolve(output))
        .set("sharding.ranges", JobYaml.quoted("0-999,1000-MAX"));
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "folder"))
        .execute();
  }

  @Test
  void aDjlFolderScoresItsModelWithItsTokenizerAndClassNames() throws IOException {
    Path folder = textFolder("djl");
    ScoreResult r = score(textJob(folder, "djl-out"));
    assertEquals(positive.size(), r.rowsScored());
    for (Row row :
        r.dataset().select("customer_id", "probabilities", "label_name").collectAsList()) {
      double p = positive.get(row.getLong(0));
      assertEquals(p, row.<Float>getList(1).get(1), 1e-5, "customer " + row.getLong(0));
      assertEquals(p > 0.5 ? "positive" : "negative", row.getString(2));
    }
    Manifest m = Shardscore.manifest(SparkTestSession.get(), r.output()).orElseThrow();
    assertEquals("PyTorch", m.model().engine());
    String digest =
        ModelDigest.of(
            ModelEngine.PYTORCH,
            ModelFiles.local(folder.resolve("classifier.pt")),
            List.of("serving.properties", "synset.txt", "tokenizer.json"));
    assertEquals(digest, m.model().digest(), "every file of the folder is in the digest");
  }

  @Test
  void anyChangedFileOfTheFolderIsANewModel() throws IOException {
    Path folder = textFolder("changing");
    Files.writeString(folder.resolve("notes.md"), "trained 2026-11-30");
    JobYaml yaml = textJob(folder, "changing-out").set("output.mode", "incremental");
    score(yaml);
    assertEquals(List.of(), Rescored.shards(score(yaml)), "nothing changed");
    Files.writeString(folder.resolve("notes.md"), "trained 2026-12-01");
    assertEquals(List.of("0-30", "31-MAX", "unmatched", "null-key"), Rescored.shards(score(yaml)));
    // Hidden and underscore files are not the model's: editing one changes nothing.
    Files.writeString(folder.resolve(".DS_Store"), "x");
    Files.writeString(folder.resolve("_SUCCESS"), "");
    assertEquals(List.of(), Rescored.shards(score(yaml)));
  }

  @Test
  void aFolderWithoutPropertiesFindsItsModelByExtension() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("plain"));
    float[][] scaling = DemoData.featureScaling();
    OnnxMlpWriter.write(
        Mlp.seeded(9, DemoData.WIDTH, 8, 3).withInputScaling(scaling[0], scaling[1]),
        folder.resolve("segments.onnx"));
    Files.writeString(folder.resolve("synset.txt"), "low\nmid\nhigh\n");
    ScoreResult r = score(customerJob(folder, "plain-out").set("model.outputs", "{top-k: 2}"));
    assertTrue(r.rowsScored() > 1_500);
    Row first = r.dataset().select("label_name", "top_labels").first();
    assertTrue(List.of("low", "mid", "high").contains(first.getString(0)));
    assertEquals(first.getString(0), first.<String>getList(1).get(0));
    Manifest m = Shardscore.manifest(SparkTestSession.get(), r.output()).orElseThrow();
    assertEquals("OnnxRuntime", m.model().engine());
    assertNotEquals(ModelDigest.of(folder.resolve("segments.onnx")), m.model().digest());
  }

  @Test
  void aFolderThatDoesNotNameOneModelFailsBeforeAnyTaskNamingItsFiles() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Files.writeString(empty.resolve("synset.txt"), "a\nb\n");
    ModelLoadException none =
        assertThrows(ModelLoadException.class, () -> score(customerJob(empty, "empty-out")));
    assertTrue(none.getMessage().contains("is a folder without a model file"), none.getMessage());
    assertTrue(none.getMessage().contains("[synset.txt]"), none.getMessage());
    assertFalse(Files.exists(dir.resolve("empty-out")), "nothing written");

    Path two = Files.createDirectories(dir.resolve("two"));
    OnnxMlpWriter.write(Mlp.seeded(1, DemoData.WIDTH, 4, 2), two.resolve("a.onnx"));
    OnnxMlpWriter.write(Mlp.seeded(2, DemoData.WIDTH, 4, 2), two.resolve("b.onnx"));
    ModelLoadException several =
        assertThrows(ModelLoadException.class, () -> score(customerJob(two, "two-out")));
    assertTrue(
        several.getMessage().contains("holds several model files [a.onnx, b.onnx]"),
        several.getMessage());
    assertTrue(several.getMessage().contains("option.modelName"), several.getMessage());
    // Naming one in serving.properties picks it.
    Files.writeString(two.resolve("serving.properties"), "option.modelName=b\n");
    assertTrue(score(customerJob(two, "two-named")).rowsScored() > 1_500);

    Path foreign = textFolder("foreign");
    Files.writeString(foreign.resolve("serving.properties"), "engine=TensorFlow\n");
    ModelLoadException engine =
        assertThrows(ModelLoadException.class, () -> score(textJob(foreign, "foreign-out")));
    assertTrue(
        engine.getMessage().contains("serving.properties engine is 'TensorFlow'"),
        engine.getMessage());
    assertFalse(Files.exists(dir.resolve("foreign-out")), "nothing written");
  }

  @Test
  void translatorSettingsAndAnEngineThatContradictsTheFolderAreRefusedBeforeAnyTask()
      throws IOException {
    Path translated = textFolder("translated");
    Files.writeString(
        translated.resolve("serving.properties"),
        "engine=PyTorch\noption.modelName=classifier\nmaxWorkers=2\n"
            + "translatorFactory=ai.djl.modality.cv.translator.ImageClassificationTranslatorFactory"
            + "\napplySoftmax=true\n");
    ModelLoadException translator =
        assertThrows(ModelLoadException.class, () -> score(textJob(translated, "translated-out")));
    assertTrue(
        translator
            .getMessage()
            .contains(
                "sets applySoftmax=true, translatorFactory=ai.djl.modality.cv.translator."
                    + "ImageClassificationTranslatorFactory: DJL translator settings"),
        translator.getMessage());
    assertFalse(Files.exists(dir.resolve("translated-out")), "nothing written");
    // DJL Serving's worker settings and model loading options are not the translator's.
    Files.writeString(
        translated.resolve("serving.properties"),
        "engine=PyTorch\noption.modelName=classifier\noption.mapLocation=true\nmaxWorkers=2\n");
    assertTrue(score(textJob(translated, "workers-out")).rowsScored() > 0);

    ModelLoadException contradicted =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(textJob(translated, "contradicted-out").set("model.engine", "OnnxRuntime")));
    assertTrue(
        contradicted.getMessage().contains("model.engine is 'OnnxRuntime', but "),
        contradicted.getMessage());
    assertTrue(
        contradicted.getMessage().contains("translated/serving.properties says engine=PyTorch"),
        contradicted.getMessage());
    assertFalse(Files.exists(dir.resolve("contradicted-out")), "nothing written");
  }

  /** A folder of a three-class ONNX model (segments.onnx) with {@code synset} as its synset.txt. */
  private static Path segmentsFolder(String name, String synset) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(name));
    float[][] scaling = DemoData.featureScaling();
    OnnxMlpWriter.write(
        Mlp.seeded(9, DemoData.WIDTH, 8, 3).withInputScaling(scaling[0], scaling[1]),
        folder.resolve("segments.onnx"));
    Files.writeString(folder.resolve("synset.txt"), synset);
    return folder;
  }

  @Test
  void aByteOrderMarkAndCrlfLinesOfSynsetAreNotPartOfTheClassNames() throws IOException {
    Path folder = segmentsFolder("bom", "\uFEFFlow\r\nmid\r\nhigh\r\n");
    ScoreResult r = score(customerJob(folder, "bom-out").set("model.outputs", "{top-k: 3}"));
    List<String> names =
        r.dataset()
            .selectExpr("explode(top_labels)")
            .distinct()
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertEquals(
        java.util.Set.of("low", "mid", "high"), java.util.Set.copyOf(names), "names: " + names);
  }

  @Test
  void classNameColumnsOfAFolderThatClashWithOtherColumnsFailBeforeAnyTask() throws IOException {
    Path folder = segmentsFolder("clash", "low\nmid\nhigh\n");
    for (String outputs :
        List.of(
            "{label-name: shard}",
            "{label-name: model_digest}",
            "{label-name: score}",
            "{probabilities: label_name}",
            "{top-k: 2, top-scores: probabilities}")) {
      String out = "clash-out-" + Math.abs(outputs.hashCode());
      RuntimeException e =
          assertThrows(
              RuntimeException.class,
              () -> score(customerJob(folder, out).set("model.outputs", outputs)),
              outputs);
      assertTrue(e instanceof io.shardscore.job.config.JobConfigException, outputs + ": " + e);
      assertTrue(e.getMessage().contains("model.outputs"), outputs + ": " + e.getMessage());
      assertFalse(Files.exists(dir.resolve(out)), outputs + ": nothing written");
    }
  }

  @Test
  void anOutputOrInputInsideTheModelFolderIsRefusedBeforeAnyTask() throws IOException {
    // Its files would be part of the model: every incremental run a new model, every input file
    // digested and copied to every executor.
    Path folder = segmentsFolder("holds-output", "low\nmid\nhigh\n");
    JobYaml inside =
        JobYaml.demo(customers, folder, folder.resolve("scores"))
            .set("sharding.ranges", JobYaml.quoted("0-999,1000-MAX"))
            .set("output.mode", "incremental");
    io.shardscore.job.config.JobConfigException e =
        assertThrows(io.shardscore.job.config.JobConfigException.class, () -> score(inside));
    assertTrue(e.getMessage().contains("model.path"), e.getMessage());
    assertFalse(Files.exists(folder.resolve("scores")), "nothing written");

    Path withInput = segmentsFolder("holds-input", "low\nmid\nhigh\n");
    Path input = SparkTestSession.customers(withInput, 100);
    e =
        assertThrows(
            io.shardscore.job.config.JobConfigException.class,
            () ->
                score(
                    JobYaml.demo(input, withInput, dir.resolve("holds-input-out"))
                        .set("sharding.ranges", JobYaml.quoted("0-999,1000-MAX"))));
    assertTrue(e.getMessage().contains("model.path"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("holds-input-out")), "nothing written");
  }

  @Test
  void aTreeModelFolderMayAskForRawScores() throws IOException {
    // Its engine is the folder's (serving.properties), not what a path without extension implies.
    Path folder = Files.createDirectories(dir.resolve("trees"));
    Files.writeString(folder.resolve("serving.properties"), "engine=XGBoost\n");
    io.shardscore.job.config.JobConfigValidator.validate(
        JobConfigReader.parse(
            customerJob(folder, "trees-out").set("model.output-type", "raw").text(), "trees"));
    // An ONNX folder asking for raw scores is still refused, before any task.
    Path onnx = segmentsFolder("onnx-raw", "low\nmid\nhigh\n");
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () -> score(customerJob(onnx, "onnx-raw-out").set("model.output-type", "raw")));
    assertTrue(e.getMessage().contains("raw output is for LightGBM"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("onnx-raw-out")), "nothing written");
  }

  @Test
  void aSymbolicLinkToAFolderInAModelFolderIsRefusedBeforeAnyTask() throws IOException {
    // The listing followed it: a link to the folder itself listed every file again at each level
    // (segments.onnx 40 times, each digested and copied), and two such links branch every level.
    Path folder = segmentsFolder("links", "low\nmid\nhigh\n");
    Files.createDirectories(folder.resolve("empty/deeper"));
    Files.writeString(dir.resolve("outside.txt"), "outside");
    Files.createSymbolicLink(folder.resolve("side.txt"), dir.resolve("outside.txt"));
    // A linked file is one file of the model, read through the link.
    ScoreResult r = score(customerJob(folder, "links-file-out"));
    assertTrue(r.rowsScored() > 1_500);
    Files.createSymbolicLink(folder.resolve("empty/loop"), folder);
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> score(customerJob(folder, "links-out")));
    assertTrue(
        e.getMessage().contains("holds a symbolic link to a folder, empty/loop"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("links-out")), "nothing written");
  }
}

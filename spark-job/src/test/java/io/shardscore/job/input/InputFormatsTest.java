package io.shardscore.job.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same rows as Parquet, CSV (a header, {@code ;} as delimiter, inferred types), JSON and ORC,
 * each read with its {@code input.options}: every format scores every row, with the predictions the
 * Parquet copy gets. Option names are checked before any job; a value Spark refuses is a config
 * error naming the options.
 */
class InputFormatsTest {
  private static final int ROWS = 1_200;
  private static final String RANGES = "0-399,400-799,800-1199";

  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static Map<Long, Double> parquetScores;

  /**
   * The demo's features with its 6-long array spelled as six scalar columns (CSV holds no array).
   */
  static final List<String> FEATURES = new ArrayList<>();

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
    Dataset<Row> demo = DemoData.frame(spark, ROWS, 2, false);
    List<Column> flat = new ArrayList<>();
    for (String f : DemoData.FEATURES) {
      if (f.endsWith("[6]")) {
        String array = f.substring(0, f.length() - 3);
        for (int i = 0; i < 6; i++) {
          flat.add(functions.col(array).getItem(i).cast("double").as(array + "_" + i));
          FEATURES.add(array + "_" + i);
        }
      } else {
        flat.add(functions.col(f).cast("double").as(f));
        FEATURES.add(f);
      }
    }
    flat.add(0, functions.col("customer_id"));
    Dataset<Row> rows = demo.select(flat.toArray(Column[]::new));
    rows.write().mode(SaveMode.Overwrite).parquet(dir.resolve("parquet").toString());
    rows.write()
        .mode(SaveMode.Overwrite)
        .option("header", "true")
        .option("delimiter", ";")
        .csv(dir.resolve("csv").toString());
    rows.write().mode(SaveMode.Overwrite).json(dir.resolve("json").toString());
    rows.write().mode(SaveMode.Overwrite).orc(dir.resolve("orc").toString());
    parquetScores = scores(run("parquet", "", "out-parquet"));
  }

  private static JobConfig job(String format, String options, String out) {
    JobYaml yaml =
        JobYaml.demo(dir.resolve(format), model, dir.resolve(out))
            .set("input.format", format)
            .set("sharding.ranges", JobYaml.quoted(RANGES))
            .set("model.features", JobYaml.flow(FEATURES));
    if (!options.isEmpty()) {
      yaml.set("input.options", options);
    }
    return JobConfigReader.parse(yaml.text(), "test job");
  }

  private static ScoreResult run(String format, String options, String out) {
    return Shardscore.job(spark, job(format, options, out)).execute();
  }

  private static Map<Long, Double> scores(ScoreResult r) {
    Map<Long, Double> out = new HashMap<>();
    for (Row row : r.dataset().select("customer_id", "score").collectAsList()) {
      out.put(((Number) row.get(0)).longValue(), ((Number) row.get(1)).doubleValue());
    }
    return out;
  }

  private static void assertScoresLikeParquet(ScoreResult r) {
    assertEquals(ROWS, r.rowsIn());
    assertEquals(ROWS, r.rowsScored() + r.rowsRejected());
    Map<Long, Double> got = scores(r);
    assertEquals(parquetScores.keySet(), got.keySet());
    parquetScores.forEach((id, s) -> assertEquals(s, got.get(id), 1e-6, "customer " + id));
  }

  @Test
  void csvWithHeaderDelimiterAndInferredTypes() {
    ScoreResult r = run("csv", "{header: true, inferSchema: true, delimiter: ';'}", "out-csv");
    assertEquals(ROWS, parquetScores.size());
    assertScoresLikeParquet(r);
  }

  @Test
  void jsonAndOrc() {
    assertScoresLikeParquet(run("json", "{primitivesAsString: false}", "out-json"));
    assertScoresLikeParquet(run("orc", "", "out-orc"));
  }

  @Test
  void aMisspelledOptionIsAConfigErrorNamingTheNearestOption() {
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () ->
                Shardscore.job(spark, job("csv", "{heder: true, inferSchema: true}", "out-typo"))
                    .execute());
    String m = e.getMessage();
    assertTrue(m.contains("input.options.heder is not an option of Spark's csv reader"), m);
    assertTrue(m.contains("Did you mean 'header'?"), m);
    assertTrue(!dir.resolve("out-typo").toFile().exists(), "nothing written");
  }

  @Test
  void anOptionValueSparkRefusesIsAConfigErrorNamingTheOptions() {
    JobConfigException e =
        assertThrows(
            JobConfigException.class,
            () ->
                Shardscore.job(
                        spark, job("csv", "{header: true, inferSchema: true, sep: ''}", "out-bad"))
                    .execute());
    String m = e.getMessage();
    assertTrue(m.contains("as csv with input.options {header=true, inferSchema=true, sep=}"), m);
    assertTrue(m.contains("that Spark accepts each option's value"), m);
    assertTrue(!dir.resolve("out-bad").toFile().exists(), "nothing written");
  }

  @Test
  void changedReaderOptionsReadEveryFileAgainButRescoreNothingThatReadsTheSame() {
    String out = "out-options";
    Shardscore.job(spark, job("parquet", "", out).withOutput(incremental(out))).execute();
    ChangePlan same =
        Shardscore.job(spark, job("parquet", "", out).withOutput(incremental(out))).plan();
    assertEquals(0, same.filesRead(), "unchanged files and options: the footers decide");
    ChangePlan changed =
        Shardscore.job(
                spark,
                job("parquet", "{datetimeRebaseMode: CORRECTED}", out).withOutput(incremental(out)))
            .plan();
    assertEquals(changed.inputFiles(), changed.filesRead(), "other options: every file is read");
    assertEquals(0, changed.shardsToScore(), "the rows read the same");
  }

  @Test
  void optionNamesThatDifferOnlyInCaseKeepTheFastPath() {
    String out = "out-option-case";
    Shardscore.job(spark, job("parquet", "{mergeSchema: false}", out).withOutput(incremental(out)))
        .execute();
    ChangePlan plan =
        Shardscore.job(
                spark, job("parquet", "{MergeSchema: false}", out).withOutput(incremental(out)))
            .plan();
    assertEquals(0, plan.filesRead(), "the same option to Spark, spelled in another case");
    ChangePlan other =
        Shardscore.job(
                spark, job("parquet", "{mergeSchema: true}", out).withOutput(incremental(out)))
            .plan();
    assertEquals(other.inputFiles(), other.filesRead(), "another value: every file is read");
  }

  @Test
  void aManifestFromBeforeOptionsWereRecordedKeepsTheFastPath() throws Exception {
    String out = "out-old-manifest";
    Shardscore.job(spark, job("parquet", "", out).withOutput(incremental(out))).execute();
    // The previous release wrote no "options" in the manifest's input entry.
    java.nio.file.Path manifest =
        new io.shardscore.job.commit.OutputPaths(
                new org.apache.hadoop.fs.Path(dir.resolve(out).toUri()))
            .manifestVersion(1)
            .toUri()
            .getPath()
            .transform(java.nio.file.Path::of);
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode tree =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(manifest.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("input")).remove("options");
    java.nio.file.Files.writeString(manifest, json.writeValueAsString(tree));
    assertEquals(
        null, Shardscore.manifest(spark, dir.resolve(out).toString()).get().input().options());
    ChangePlan plan =
        Shardscore.job(spark, job("parquet", "", out).withOutput(incremental(out))).plan();
    assertEquals(0, plan.filesRead(), "no options then, none now: the footers decide");
  }

  private static io.shardscore.job.config.OutputConfig incremental(String out) {
    return new io.shardscore.job.config.OutputConfig(dir.resolve(out).toString(), "incremental");
  }
}

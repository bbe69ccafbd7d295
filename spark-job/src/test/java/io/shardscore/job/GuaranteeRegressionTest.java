package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One regression test per case of issue 10's table that a run on embedded Spark reproduced: each
 * failed before the commit protocol and change detection were fixed (see the closing note)
 * and uses only the public API, so it runs against any version of the code.
 */
class GuaranteeRegressionTest {
  private static final int SLICES = 4;
  private static final int PER_SLICE = 1_000;
  private static final String RANGES = "0-999,1000-1999,2000-2999,3000-3999";
  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    model = SparkTestSession.model(dir);
  }

  /** Key-clustered input: one Parquet file per shard range, under {@code slice=k/}. */
  private static Path clusteredInput(String name) {
    Path input = dir.resolve(name);
    for (int s = 0; s < SLICES; s++) {
      writeSlice(input, s, 0);
    }
    return input;
  }

  /** (Re)writes slice {@code s}; {@code ageShift} changes every row's age (a feature). */
  private static void writeSlice(Path input, int s, int ageShift) {
    long lo = (long) s * PER_SLICE;
    DemoData.frame(spark, SLICES * PER_SLICE, 1, false)
        .where(col("customer_id").between(lo, lo + PER_SLICE - 1))
        .withColumn("age", col("age").plus(ageShift))
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(input.resolve("slice=" + s).toString());
  }

  /** The demo job over {@code input} with the 4 ranges and features as a flow list. */
  private static JobYaml yaml(Path input, Path out, String mode) {
    return JobYaml.demo(input, model, out)
        .set("output.mode", mode)
        .set("sharding.ranges", JobYaml.quoted(RANGES))
        .set("model.features", JobYaml.flow(DemoData.FEATURES));
  }

  private static JobConfig job(Path input, Path out, String mode) {
    return yaml(input, out, mode).parse("regression job");
  }

  private static JobConfig job(Path input, Path out, String mode, UnaryOperator<JobYaml> edit) {
    return edit.apply(yaml(input, out, mode)).parse("regression job");
  }

  private static Manifest manifest(Path out) {
    return Shardscore.manifest(spark, out.toString()).orElseThrow();
  }

  /** Every file the manifest lists exists with its recorded size and CRC32C. */
  private static void assertComplete(Path out, Manifest m) throws Exception {
    for (Manifest.ShardEntry s : m.shards()) {
      List<Manifest.FileEntry> files = new ArrayList<>(s.files());
      files.addAll(s.errorFiles());
      for (Manifest.FileEntry f : files) {
        Path p = out.resolve(f.path());
        assertTrue(Files.exists(p), "listed file exists: " + f.path());
        byte[] bytes = Files.readAllBytes(p);
        assertEquals(f.bytes(), bytes.length, "size of " + f.path());
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        assertEquals(f.crc32c(), String.format("%08x", crc.getValue()), "CRC32C of " + f.path());
      }
    }
  }

  /** The committed rows by key, without provenance, as sorted strings. */
  private static List<String> rows(Path out) {
    Dataset<Row> d = Shardscore.read(spark, out.toString()).drop("run_id", "scored_at");
    List<String> out2 = new ArrayList<>();
    for (Row r : d.orderBy("customer_id").collectAsList()) {
      out2.add(r.toString());
    }
    return out2;
  }

  private static Set<String> withStatus(ScoreResult r, String status) {
    Set<String> names = new TreeSet<>();
    r.shards().stream().filter(s -> s.status().equals(status)).forEach(s -> names.add(s.name()));
    return names;
  }

  private static void withFault(String point, Runnable run) {
    Faults.crash(point, run::run);
  }

  /** Case 1: a failure after the commit point (the manifest.json copy) loses no committed file. */
  @Test
  void aFailureAfterTheCommitPointKeepsTheCommitAndItsFiles() throws Exception {
    Path input = clusteredInput("case1-input");
    Path out = dir.resolve("case1");
    Shardscore.job(spark, job(input, out, "incremental")).execute();
    writeSlice(input, 1, 5);
    // A folder where the manifest.json copy goes makes that write fail (a store refusing it).
    Path pointer = out.resolve("_shardscore/manifest.json");
    Files.delete(pointer);
    Files.deleteIfExists(out.resolve("_shardscore/.manifest.json.crc"));
    Files.createDirectories(pointer);
    Files.writeString(pointer.resolve("blocker"), "x");
    ScoreResult second;
    try {
      second = Shardscore.job(spark, job(input, out, "incremental")).execute();
    } catch (RuntimeException e) {
      throw new AssertionError("the commit happened; a later step must not fail the run", e);
    }
    Manifest v2 = manifest(out);
    assertEquals(2, v2.version());
    assertEquals(2, second.manifestVersion());
    assertComplete(out, v2);
    try (Stream<Path> inside = Files.list(pointer)) {
      for (Path p : inside.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(pointer);
    ScoreResult third = Shardscore.job(spark, job(input, out, "incremental")).execute();
    assertFalse(third.committed(), "nothing changed since version 2");
    assertComplete(out, manifest(out));
    Path clean = dir.resolve("case1-clean");
    Shardscore.job(spark, job(input, clean, "error-if-exists")).execute();
    assertEquals(rows(clean), rows(out));
  }

  /** Case 2: a reused run id (an Airflow retry) never touches the previous commit's files. */
  @Test
  void aReusedRunIdThatFailsBeforeTheManifestKeepsThePreviousCommit() throws Exception {
    Path input = clusteredInput("case2-input");
    Path out = dir.resolve("case2");
    Shardscore.job(spark, job(input, out, "overwrite")).runId("2026-11-23").execute();
    Manifest v1 = manifest(out);
    writeSlice(input, 2, 3);
    // The same run id and the same partitions: the old file names would be the live ones.
    withFault(
        "before-manifest",
        () -> Shardscore.job(spark, job(input, out, "overwrite")).runId("2026-11-23").execute());
    assertEquals(1, manifest(out).version());
    assertComplete(out, v1);
    ScoreResult retry =
        Shardscore.job(spark, job(input, out, "overwrite")).runId("2026-11-23").execute();
    assertEquals(2, retry.manifestVersion());
    assertComplete(out, manifest(out));
    Path clean = dir.resolve("case2-clean");
    Shardscore.job(spark, job(input, clean, "error-if-exists")).execute();
    assertEquals(rows(clean), rows(out));
  }

  /** Case 4: a shard kept by {@code --shards} is still rescored once its input changed. */
  @Test
  void aShardKeptBySelectionIsRescoredWhenItsInputChanged() throws Exception {
    Path input = clusteredInput("case4-input");
    Path out = dir.resolve("case4");
    Shardscore.job(spark, job(input, out, "incremental")).execute();
    writeSlice(input, 3, 7);
    Shardscore.job(spark, job(input, out, "incremental")).shards(Set.of("0-999")).execute();
    ScoreResult next = Shardscore.job(spark, job(input, out, "incremental")).execute();
    assertEquals(Set.of("3000-3999"), withStatus(next, "scored"), next.shards().toString());
    Path clean = dir.resolve("case4-clean");
    Shardscore.job(spark, job(input, clean, "error-if-exists")).execute();
    assertEquals(rows(clean), rows(out));
  }

  /** Case 5: switching unmatched keys from errors to fail stops the run; no row is dropped. */
  @Test
  void switchingTheUnmatchedPolicyToFailStopsTheRun() throws Exception {
    Path input = clusteredInput("case5-input");
    Path out = dir.resolve("case5");
    // Ranges cover half the keys; the rest go to errors under 'errors'.
    JobConfig errors =
        JobConfigReader.parse(
            yamlWithRanges(input, out, "0-999,1000-1999", "errors"), "case 5 errors");
    ScoreResult first = Shardscore.job(spark, errors).execute();
    assertEquals(2 * PER_SLICE, first.rowsRejected());
    JobConfig fail =
        JobConfigReader.parse(yamlWithRanges(input, out, "0-999,1000-1999", "fail"), "case 5 fail");
    RuntimeException e =
        assertThrows(RuntimeException.class, () -> Shardscore.job(spark, fail).execute());
    assertTrue(e.getMessage().contains("have no shard"), e.getMessage());
    assertEquals(1, manifest(out).version(), "nothing committed");
  }

  private static String yamlWithRanges(Path input, Path out, String ranges, String unmatched) {
    return yaml(input, out, "incremental")
        .set("sharding.ranges", JobYaml.quoted(ranges))
        .set("sharding.unmatched", unmatched)
        .set("scoring.max-error-fraction", 0.9)
        .text();
  }

  /** Quantile shards instead of the ranges. */
  private static UnaryOperator<JobYaml> quantiles(int shards) {
    return y -> y.remove("sharding.ranges").set("sharding.quantiles", shards);
  }

  /** Case 8: changing the passthrough columns rescores on the metadata fast path, no failure. */
  @Test
  void changingPassthroughRescoresOnTheFastPath() throws Exception {
    Path input = clusteredInput("case8-input");
    Path out = dir.resolve("case8");
    UnaryOperator<JobYaml> narrow = y -> y.set("scoring.passthrough", "[customer_id, age]");
    UnaryOperator<JobYaml> wide = y -> y.set("scoring.passthrough", "[customer_id, age, country]");
    Shardscore.job(spark, job(input, out, "incremental", narrow)).execute();
    ScoreResult second = Shardscore.job(spark, job(input, out, "incremental", wide)).execute();
    assertEquals(SLICES, withStatus(second, "scored").size(), second.shards().toString());
    ScoreResult third = Shardscore.job(spark, job(input, out, "incremental", wide)).execute();
    assertFalse(third.committed());
    Path clean = dir.resolve("case8-clean");
    Shardscore.job(spark, job(input, clean, "error-if-exists", wide)).execute();
    assertEquals(rows(clean), rows(out));
  }

  /** Case 9: a single-file input path works for incremental runs after the file changes. */
  @Test
  void aSingleFileInputWorksForIncrementalRuns() throws Exception {
    Path folder = dir.resolve("case9-input");
    DemoData.frame(spark, 2_000, 1, false).coalesce(1).write().parquet(folder.toString());
    Path file;
    try (Stream<Path> s = Files.list(folder)) {
      file = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Path single = dir.resolve("case9.parquet");
    Files.copy(file, single);
    Path out = dir.resolve("case9");
    JobConfig cfg =
        yaml(single, out, "incremental")
            .set("sharding.ranges", JobYaml.quoted("0-999,1000-1999"))
            .parse("case 9");
    Shardscore.job(spark, cfg).execute();
    Path changed = dir.resolve("case9-changed");
    DemoData.frame(spark, 2_000, 1, false)
        .withColumn("age", col("age").plus(2))
        .coalesce(1)
        .write()
        .parquet(changed.toString());
    try (Stream<Path> s = Files.list(changed)) {
      Path f = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
      Files.copy(f, single, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Files.setLastModifiedTime(
        single, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    ScoreResult second = Shardscore.job(spark, cfg).execute();
    assertEquals(2, second.manifestVersion());
    assertEquals(2_000, second.rowsProcessed());
  }

  /** Case 10: an overwrite rerun after a failed task resumes the shards that finished. */
  @Test
  void anOverwriteRerunResumesFinishedShards() throws Exception {
    Path input = clusteredInput("case10-input");
    Path out = dir.resolve("case10");
    Shardscore.job(spark, job(input, out, "overwrite")).execute();
    withFault(
        "task-partition:3", () -> Shardscore.job(spark, job(input, out, "overwrite")).execute());
    ScoreResult rerun = Shardscore.job(spark, job(input, out, "overwrite")).execute();
    assertFalse(withStatus(rerun, "resumed").isEmpty(), rerun.shards().toString());
    Path clean = dir.resolve("case10-clean");
    Shardscore.job(spark, job(input, clean, "error-if-exists")).execute();
    assertEquals(rows(clean), rows(out));
  }

  /** Case 11: a new quantile count makes a new plan instead of being silently ignored. */
  @Test
  void aNewQuantileCountReplans() throws Exception {
    Path input = clusteredInput("case11-input");
    Path out = dir.resolve("case11");
    Shardscore.job(spark, job(input, out, "incremental", quantiles(4))).execute();
    assertEquals(4, planned(manifest(out)));
    Shardscore.job(spark, job(input, out, "incremental", quantiles(8))).execute();
    assertEquals(8, planned(manifest(out)));
    Path clean = dir.resolve("case11-clean");
    Shardscore.job(spark, job(input, clean, "error-if-exists", quantiles(8))).execute();
    assertEquals(rows(clean).size(), rows(out).size());
  }

  private static long planned(Manifest m) {
    return m.plan().shards().stream().filter(p -> "planned".equals(p.role())).count();
  }

  /** Case 13: a feature (not passed through) named like a column shardscore writes is refused. */
  @Test
  void aFeatureNamedLikeAProvenanceColumnIsRefusedBeforeScoring() {
    Path input = dir.resolve("case13-input");
    DemoData.frame(spark, 500, 1, false)
        .withColumnRenamed("age", "run_id")
        .write()
        .parquet(input.toString());
    Path out = dir.resolve("case13");
    List<String> features = new ArrayList<>(DemoData.FEATURES);
    features.set(features.indexOf("age"), "run_id");
    JobConfig cfg =
        JobYaml.demo(input, model, out)
            .set("sharding.ranges", JobYaml.quoted("0-499"))
            .set("scoring.passthrough", "[customer_id]")
            .set("model.features", JobYaml.flow(features))
            .parse("case 13");
    RuntimeException e =
        assertThrows(RuntimeException.class, () -> Shardscore.job(spark, cfg).execute());
    assertTrue(e.getMessage().contains("'run_id' would collide"), e.getMessage());
    assertFalse(Files.exists(out.resolve("_shardscore/manifests")), "nothing committed");
  }
}

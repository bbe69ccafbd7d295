package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental reruns of non-integral keys that the metadata fast path must not skip: a value-list
 * edit that the stored plan could not tell apart, and dates whose Parquet statistics are not the
 * values Spark reads (calendar rebasing of files written in Spark's LEGACY mode).
 */
class KeyChangeReviewTest {
  @TempDir static Path dir;
  static Path model;
  static SparkSession spark;

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkTestSession.get();
    model = dir.resolve("tiny.onnx");
    OnnxMlpWriter.write(Mlp.seeded(3, 2, 4, 2), model);
  }

  static String yaml(Path in, Path out, String key, String sharding) {
    return "input:\n  path: "
        + in
        + "\noutput:\n  path: "
        + out
        + "\nsharding:\n  key: "
        + key
        + "\n"
        + sharding
        + "model:\n  path: "
        + model
        + "\n  features: [a, b]\nscoring:\n  max-error-fraction: 1.0\n";
  }

  static ScoreResult run(String yaml) {
    return Shardscore.job(spark, JobConfigReader.parse(yaml, "key review"))
        .mode(OutputMode.INCREMENTAL)
        .execute();
  }

  static Map<String, ShardStatus> shards(ScoreResult r) {
    return r.shards().stream().collect(Collectors.toMap(ShardStatus::name, s -> s));
  }

  /** Writes {@code frame} as the single Parquet file {@code target}. */
  static void writeFile(Dataset<Row> frame, Path target, long mtime) throws IOException {
    Path tmp = Files.createTempDirectory(dir, "w");
    frame.coalesce(1).write().mode("overwrite").parquet(tmp.toString());
    try (Stream<Path> files = Files.list(tmp)) {
      Path part =
          files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().get();
      Files.createDirectories(target.getParent());
      Files.copy(part, target, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.setLastModifiedTime(target, FileTime.fromMillis(mtime));
  }

  /**
   * Moving text values between value lists is a plan change even when the lists read alike: {@code
   * ["a, b"]} (one value with a comma) and {@code ["a", "b"]} (two values). A rerun over the same
   * files must move the rows of a and b from the unmatched shard to x.
   */
  @Test
  void aValueListEditThatReadsAlikeIsStillAPlanChange() throws Exception {
    Path in = dir.resolve("regions");
    Dataset<Row> rows =
        spark
            .range(0, 300)
            .select(
                col("id").cast(DataTypes.DoubleType).divide(100).as("a"),
                col("id").mod(7).cast(DataTypes.IntegerType).as("b"),
                functions
                    .element_at(
                        functions.array(lit("a"), lit("b"), lit("c")),
                        col("id").mod(3).plus(1).cast(DataTypes.IntegerType))
                    .as("region"));
    writeFile(rows, in.resolve("part-0.parquet"), 1_000_000L);
    Path out = dir.resolve("regions-out");
    ScoreResult first =
        run(yaml(in, out, "region", "  values: {x: [\"a, b\"], y: [c]}\n  unmatched: shard\n"));
    assertEquals(200, shards(first).get("unmatched").rows(), first.shards().toString());

    ScoreResult second =
        run(yaml(in, out, "region", "  values: {x: [a, b], y: [c]}\n  unmatched: shard\n"));
    Map<String, ShardStatus> s = shards(second);
    assertEquals(200, s.get("x").rows(), second.shards().toString());
    assertEquals("scored", s.get("x").status(), second.shards().toString());
    assertEquals("unchanged", s.get("y").status(), second.shards().toString());
  }

  /**
   * Norway's code NO, unquoted in a value list, matches the rows of NO (YAML reads it as false).
   */
  @Test
  void anUnquotedNoInAValueListMatchesNorway() throws Exception {
    Path in = dir.resolve("nordics");
    Dataset<Row> rows =
        spark
            .range(0, 90)
            .select(
                col("id").cast(DataTypes.DoubleType).divide(100).as("a"),
                col("id").mod(7).cast(DataTypes.IntegerType).as("b"),
                functions
                    .element_at(
                        functions.array(lit("NO"), lit("SE"), lit("01234")),
                        col("id").mod(3).plus(1).cast(DataTypes.IntegerType))
                    .as("region"));
    writeFile(rows, in.resolve("part-0.parquet"), 1_000_000L);
    ScoreResult r =
        run(
            yaml(
                in,
                dir.resolve("nordics-out"),
                "region",
                "  values: {nordics: [NO, SE], zips: [01234]}\n  unmatched: shard\n"));
    Map<String, ShardStatus> s = shards(r);
    assertEquals(60, s.get("nordics").rows(), r.shards().toString());
    assertEquals(30, s.get("zips").rows(), r.shards().toString());
    assertEquals(0, s.get("unmatched").rows(), r.shards().toString());
  }

  /**
   * Dates before the Gregorian cutover written in Spark's LEGACY rebase mode are stored as Julian
   * days: the footer statistics of a file of 1499-12-24..1499-12-31 read 1500-01-02..1500-01-09.
   * Changing that file must still rescore the shard its rows belong to.
   */
  @Test
  void rebasedAncientDatesAreNotSkippedByFooterStatistics() throws Exception {
    Path in = dir.resolve("ancient");
    String before = spark.conf().get("spark.sql.parquet.datetimeRebaseModeInWrite");
    spark.conf().set("spark.sql.parquet.datetimeRebaseModeInWrite", "LEGACY");
    try {
      writeFile(ancient("1499-12-24", 0.0), in.resolve("a.parquet"), 1_000_000L);
      writeFile(ancient("1500-02-01", 0.0), in.resolve("b.parquet"), 1_000_000L);
      Path out = dir.resolve("ancient-out");
      String sharding =
          "  ranges: [{name: old, range: 'MIN..1499-12-31'}, {name: new, range:"
              + " '1500-01-01..MAX'}]\n";
      ScoreResult first = run(yaml(in, out, "day", sharding));
      assertEquals(8, shards(first).get("old").rows(), first.shards().toString());

      writeFile(ancient("1499-12-24", 1.5), in.resolve("a.parquet"), 2_000_000L);
      ScoreResult second = run(yaml(in, out, "day", sharding));
      Map<String, ShardStatus> s = shards(second);
      assertEquals("scored", s.get("old").status(), second.shards().toString());
      assertEquals(8, s.get("old").rows(), second.shards().toString());
    } finally {
      spark.conf().set("spark.sql.parquet.datetimeRebaseModeInWrite", before);
    }
  }

  /** Eight rows of consecutive days from {@code first}, features shifted by {@code shift}. */
  private static Dataset<Row> ancient(String first, double shift) {
    return spark
        .range(0, 8)
        .select(
            col("id").cast(DataTypes.DoubleType).plus(shift).as("a"),
            col("id").cast(DataTypes.IntegerType).as("b"),
            functions
                .date_add(
                    lit(first).cast(DataTypes.DateType), col("id").cast(DataTypes.IntegerType))
                .as("day"));
  }
}

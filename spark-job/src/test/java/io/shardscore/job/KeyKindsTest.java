package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.result.ShardStatus;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import io.shardscore.sharding.ShardingException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard keys of every kind beyond integral ranges — string, date, timestamp and decimal keys with
 * ranges, value lists, hash buckets and quantiles — end to end on real Parquet through local Spark:
 * conservation, one shard per task, predictions equal to ONNX Runtime's on the same rows, an
 * incremental rerun that rescores only the changed shard, and bad configurations refused before
 * anything is written.
 */
class KeyKindsTest {
  static final int ROWS = 3000;
  @TempDir static Path dir;
  static Path input;
  static Path model;
  static SparkSession spark;
  static Map<Long, float[]> oracle;

  @BeforeAll
  static void data() throws Exception {
    spark = SparkTestSession.get();
    input = dir.resolve("events");
    write(frame(lit(0.0)), input);
    model = dir.resolve("tiny.onnx");
    OnnxMlpWriter.write(Mlp.seeded(3, 2, 4, 2), model);
  }

  /**
   * {@code id}, features {@code a}, {@code b}, and keys of each type: {@code region} (string, a
   * null every 50th row, a lower-case {@code de}), {@code day} (date), {@code ts} (timestamp),
   * {@code amount} (decimal(10,2)), {@code flag} (boolean), {@code f} (float).
   */
  static Dataset<Row> frame(org.apache.spark.sql.Column shiftOfUs) {
    Dataset<Row> base =
        spark
            .range(0, ROWS, 1, 3)
            .select(
                col("id"),
                col("id").mod(97).cast(DataTypes.DoubleType).divide(10).as("a0"),
                col("id").mod(13).cast(DataTypes.IntegerType).as("b"),
                functions
                    .element_at(
                        functions.array(
                            lit("DE"), lit("FR"), lit("ES"), lit("US"), lit("CA"), lit("BR"),
                            lit("JP"), lit("de")),
                        col("id").mod(8).plus(1).cast(DataTypes.IntegerType))
                    .as("region0"),
                functions
                    .date_add(
                        lit("2026-01-01").cast(DataTypes.DateType),
                        col("id").mod(180).cast(DataTypes.IntegerType))
                    .as("day"),
                functions
                    .timestamp_seconds(lit(1767225600L).plus(col("id").multiply(1800)))
                    .as("ts"),
                col("id")
                    .multiply(37)
                    .mod(10000)
                    .divide(100)
                    .cast(DataTypes.createDecimalType(10, 2))
                    .as("amount"),
                col("id").mod(2).equalTo(0).as("flag"),
                col("id").mod(97).cast(DataTypes.FloatType).as("f"));
    return base.select(
        col("id"),
        when(
                col("region0").equalTo("US").and(col("id").mod(50).notEqual(0)),
                col("a0").plus(shiftOfUs))
            .otherwise(col("a0"))
            .as("a"),
        col("b"),
        when(col("id").mod(50).equalTo(0), lit(null).cast(DataTypes.StringType))
            .otherwise(col("region0"))
            .as("region"),
        col("day"),
        col("ts"),
        col("amount"),
        col("flag"),
        col("f"));
  }

  static void write(Dataset<Row> frame, Path path) {
    frame.write().mode("overwrite").parquet(path.toString());
  }

  /** The job over {@code in} with {@code sharding} lines (YAML under {@code sharding:}). */
  static String yaml(Path in, Path out, String key, String sharding) {
    return "input:\n  path: "
        + in
        + "\noutput:\n  path: "
        + out
        + "\nsharding:\n  key: "
        + key
        + "\n  max-rows-per-partition: 400\n"
        + sharding
        + "model:\n  path: "
        + model
        + "\n  features: [a, b]\nscoring:\n  max-error-fraction: 1.0\n";
  }

  static ScoreResult run(String yaml, OutputMode mode) {
    return Shardscore.job(spark, JobConfigReader.parse(yaml, "key kinds")).mode(mode).execute();
  }

  /**
   * Scores with {@code sharding} and checks what every key kind must keep; returns the result.
   *
   * @param shards the expected shard folders
   */
  static ScoreResult scoresExactly(String name, String key, String sharding, Set<String> shards)
      throws Exception {
    Path out = dir.resolve(name);
    ScoreResult r = run(yaml(input, out, key, sharding), OutputMode.OVERWRITE);
    return checked(r, out, key, shards);
  }

  /** Conservation, the shard folders, one shard per task and predictions equal the engine's. */
  static ScoreResult checked(ScoreResult r, Path out, String key, Set<String> shards)
      throws Exception {
    assertEquals(ROWS, r.rowsIn());
    assertEquals(r.rowsIn(), r.rowsScored() + r.rowsRejected(), "conservation: " + r.shards());
    Dataset<Row> scored = spark.read().parquet(out.toString());
    Set<String> folders =
        new TreeSet<>(
            scored
                .select("shard")
                .distinct()
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList());
    assertEquals(new TreeSet<>(shards), folders, "shard folders");
    for (String s : folders) {
      assertTrue(Files.isDirectory(out.resolve("shard=" + s)), s + " is one folder");
    }
    // One shard per task: each data file holds one shard, each shard has as many files as tasks,
    // and a key value lives in exactly one shard.
    List<Row> perFile =
        scored.groupBy(input_file_name()).agg(countDistinct(col("shard"))).collectAsList();
    perFile.forEach(f -> assertEquals(1L, f.getLong(1), "file " + f.getString(0)));
    for (ShardStatus s : r.shards()) {
      if (s.rows() > 0) {
        assertEquals(s.partitions(), s.files(), s.name() + ": one file per task");
      }
    }
    assertEquals(
        0,
        scored
            .where(col(key).isNotNull())
            .groupBy(col(key))
            .agg(countDistinct(col("shard")).as("n"))
            .where(col("n").gt(1))
            .count(),
        "a key value is in one shard");
    // Predictions equal ONNX Runtime's on the same rows.
    if (oracle == null) {
      // After a run: DJL's engine must create the ONNX Runtime environment first.
      oracle = oracle(input);
    }
    List<Row> rows = scored.select("id", "probabilities").collectAsList();
    assertEquals(r.rowsScored(), rows.size());
    for (Row row : rows) {
      float[] want = oracle.get(row.getLong(0));
      List<Float> got = row.getList(1);
      for (int c = 0; c < want.length; c++) {
        assertEquals(want[c], got.get(c), 1e-5, "row " + row.getLong(0));
      }
    }
    return r;
  }

  private static Map<Long, float[]> oracle(Path in) throws Exception {
    List<Row> rows = spark.read().parquet(in.toString()).select("id", "a", "b").collectAsList();
    float[][] x = new float[rows.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = new float[] {(float) rows.get(i).getDouble(1), rows.get(i).getInt(2)};
    }
    Map<Long, float[]> out = new HashMap<>();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, x);
        OrtSession.Result y = session.run(Map.of(session.getInputNames().iterator().next(), t))) {
      float[][] probs = (float[][]) y.get(0).getValue();
      for (int i = 0; i < probs.length; i++) {
        out.put(rows.get(i).getLong(0), probs[i]);
      }
    }
    return out;
  }

  @Test
  void stringRangesCompareByBytesCaseSensitiveWithStrayShards() throws Exception {
    ScoreResult r =
        scoresExactly(
            "string-ranges",
            "region",
            "  ranges: ['\"A\"..\"CA\"', '\"D\"..\"FR\"', {name: rest, range: '\"G\"..\"Z\"'}]\n"
                + "  unmatched: shard\n  null-keys: shard\n",
            Set.of("A..CA", "D..FR", "rest", "unmatched", "null-key"));
    assertEquals(0, r.rowsRejected());
    Dataset<Row> out = spark.read().parquet(dir.resolve("string-ranges").toString());
    // "de" sorts after "Z" (binary order): it is unmatched, not in D..FR.
    assertEquals(
        Set.of("de"),
        new TreeSet<>(
            out.where(col("shard").equalTo("unmatched"))
                .select("region")
                .distinct()
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList()));
    assertEquals(
        Set.of("BR", "CA"),
        new TreeSet<>(
            out.where(col("shard").equalTo("A..CA"))
                .select("region")
                .distinct()
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList()));
    Manifest m = Shardscore.manifest(spark, dir.resolve("string-ranges").toString()).orElseThrow();
    assertEquals("string", m.plan().keyType());
    assertEquals("\"A\"..\"CA\"", m.plan().shards().get(0).covers());
  }

  @Test
  void stringValueListsSendOtherValuesToErrors() throws Exception {
    ScoreResult r =
        scoresExactly(
            "string-values",
            "region",
            "  values: {emea: [DE, FR, ES], amer: [US, CA, BR]}\n",
            Set.of("emea", "amer"));
    // JP, de (case-sensitive) and null keys go to the errors dataset by default.
    long expectedErrors =
        spark
            .read()
            .parquet(input.toString())
            .where(col("region").isNull().or(col("region").isin("JP", "de")))
            .count();
    assertEquals(expectedErrors, r.rowsRejected());
    Dataset<Row> errors =
        spark.read().parquet(dir.resolve("string-values").resolve("_errors").toString());
    assertTrue(
        errors.where(col("error_reason").contains("listed in no shard")).count() > 0,
        "unmatched values are rejected with their reason");
  }

  @Test
  void integralValueLists() throws Exception {
    scoresExactly(
        "int-values",
        "b",
        "  values: {low: [0, 1, 2, 3], high: [4, 5, 6, 7, 8, 9, 10, 11, 12]}\n",
        Set.of("low", "high"));
  }

  @Test
  void hashBucketsOfStringAndDecimalKeys() throws Exception {
    scoresExactly(
        "string-hash",
        "region",
        "  hash-buckets: 3\n  null-keys: shard\n",
        Set.of("bucket-000", "bucket-001", "bucket-002", "null-key"));
    scoresExactly(
        "decimal-hash",
        "amount",
        "  hash-buckets: 3\n",
        Set.of("bucket-000", "bucket-001", "bucket-002"));
  }

  @Test
  void dateRangesAndQuantiles() throws Exception {
    scoresExactly(
        "date-ranges",
        "day",
        "  ranges: ['2026-01-01..2026-03-31', '2026-04-01..2026-06-30']\n",
        Set.of("2026-01-01..2026-03-31", "2026-04-01..2026-06-30"));
    ScoreResult q =
        scoresExactly("date-quantiles", "day", "  quantiles: 3\n", Set.of("q00", "q01", "q02"));
    for (ShardStatus s : q.shards()) {
      if (!s.name().startsWith("q")) {
        assertEquals(0, s.rows(), "a quantile plan leaves no key unmatched");
        continue;
      }
      assertTrue(Math.abs(s.rows() - ROWS / 3) < ROWS / 10, s.name() + " has " + s.rows());
    }
    Manifest m = Shardscore.manifest(spark, dir.resolve("date-quantiles").toString()).orElseThrow();
    assertEquals("date", m.plan().keyType());
    assertTrue(
        m.plan().shards().get(1).covers().matches("2026-\\d\\d-\\d\\d\\.\\.2026-\\d\\d-\\d\\d"),
        m.plan().shards().get(1).covers());
  }

  @Test
  void timestampAndDecimalRanges() throws Exception {
    scoresExactly(
        "ts-ranges",
        "ts",
        "  ranges: ['MIN..2026-01-20T23:59:59.999999Z', '2026-01-21T00:00:00Z..MAX']\n",
        Set.of("MIN..20260120T235959.999999Z", "20260121T000000Z..MAX"));
    scoresExactly(
        "decimal-ranges",
        "amount",
        "  ranges: ['0.00..49.99', '50.00..99.99']\n",
        Set.of("0.00..49.99", "50.00..99.99"));
  }

  /** Changing the rows of one value-list shard rescores that shard alone; the rest is kept. */
  @Test
  void anIncrementalRerunRescoresOnlyTheChangedShard() throws Exception {
    Path out = dir.resolve("incremental");
    String sharding = "  values: {emea: [DE, FR, ES], amer: [US, CA, BR], apac: [JP]}\n";
    ScoreResult first = run(yaml(input, out, "region", sharding), OutputMode.INCREMENTAL);
    assertEquals(ROWS, first.rowsScored() + first.rowsRejected());
    ScoreResult same = run(yaml(input, out, "region", sharding), OutputMode.INCREMENTAL);
    assertEquals(0, same.rowsProcessed(), "nothing changed: nothing scored again");

    Path changed = dir.resolve("events-v2");
    write(frame(lit(1.5)), changed); // only the US rows (shard amer) change
    ScoreResult second = run(yaml(changed, out, "region", sharding), OutputMode.INCREMENTAL);
    Map<String, String> status =
        second.shards().stream().collect(Collectors.toMap(ShardStatus::name, ShardStatus::status));
    assertEquals("scored", status.get("amer"), status.toString());
    assertEquals("unchanged", status.get("emea"), status.toString());
    assertEquals("unchanged", status.get("apac"), status.toString());
    long amerRows =
        second.shards().stream().filter(s -> s.name().equals("amer")).findFirst().get().rows();
    assertEquals(amerRows, second.rowsProcessed());
    assertEquals(ROWS, second.rowsScored() + second.rowsRejected());
  }

  /**
   * A run of a string-keyed job whose last task fails is resumed: the rerun reuses the shards that
   * finished, scores the rest and commits the same result as a clean run.
   */
  @Test
  void aFailedRunOfAStringKeyedJobIsResumed() throws Exception {
    Path out = dir.resolve("resume");
    // emea 1095 rows (3 tasks), amer 1110 (3), apac 360, unmatched 375, null-key 60: 9 tasks.
    String y =
        yaml(
            input,
            out,
            "region",
            "  values: {emea: [DE, FR, ES], amer: [US, CA, BR], apac: [JP]}\n");
    Faults.crash("task-partition:8", () -> run(y, OutputMode.INCREMENTAL));
    assertTrue(Shardscore.manifest(spark, out.toString()).isEmpty(), "nothing committed");
    ScoreResult rerun = run(y, OutputMode.INCREMENTAL);
    Map<String, String> status =
        rerun.shards().stream().collect(Collectors.toMap(ShardStatus::name, ShardStatus::status));
    assertTrue(status.containsValue("resumed"), status.toString());
    assertEquals("rejected", status.get("null-key"), "the failed task's shard is scored again");
    checked(rerun, out, "region", Set.of("emea", "amer", "apac"));
  }

  /**
   * For every key kind, changing the rows of one shard (feature {@code a} of the rows {@code
   * changed} selects) rescores exactly that shard on an incremental rerun.
   */
  @Test
  void anIncrementalRerunOfEachKindRescoresOnlyTheChangedShard() throws Exception {
    String[][] kinds = {
      {
        "day",
        "  ranges: ['2026-01-01..2026-03-31', '2026-04-01..2026-06-30']\n",
        "day >= DATE'2026-04-01'",
        "2026-04-01..2026-06-30"
      },
      {
        "ts",
        "  ranges: ['MIN..2026-01-20T23:59:59Z', '2026-01-21T00:00:00Z..MAX']\n",
        "ts < TIMESTAMP'2026-01-10 00:00:00Z'",
        "MIN..20260120T235959Z"
      },
      {"amount", "  ranges: ['0.00..49.99', '50.00..99.99']\n", "amount >= 50", "50.00..99.99"},
      {
        "region",
        "  ranges: ['\"A\"..\"CA\"', '\"D\"..\"FR\"', '\"G\"..\"Z\"']\n",
        "region = 'US'",
        "G..Z"
      },
      {"region", "  hash-buckets: 4\n", "region = 'US'", null},
      {
        "b",
        "  values: {low: [0, 1, 2, 3], high: [4, 5, 6, 7, 8, 9, 10, 11, 12]}\n",
        "b = 5",
        "high"
      },
    };
    for (int i = 0; i < kinds.length; i++) {
      String[] k = kinds[i];
      Path out = dir.resolve("incremental-kind-" + i);
      run(yaml(input, out, k[0], k[1]), OutputMode.INCREMENTAL);
      Path changed = dir.resolve("events-kind-" + i);
      Dataset<Row> original = spark.read().parquet(input.toString());
      write(
          original.withColumn(
              "a", when(functions.expr(k[2]), col("a").plus(2.5)).otherwise(col("a"))),
          changed);
      ScoreResult again = run(yaml(changed, out, k[0], k[1]), OutputMode.INCREMENTAL);
      List<String> scored =
          again.shards().stream()
              .filter(s -> !s.status().equals("unchanged") && !s.status().equals("empty"))
              .map(ShardStatus::name)
              .toList();
      assertEquals(1, scored.size(), k[0] + " " + k[1] + ": " + again.shards());
      if (k[3] != null) {
        assertEquals(k[3], scored.get(0), k[1]);
      }
      long changedRows = original.where(functions.expr(k[2])).count();
      assertTrue(changedRows > 0 && again.rowsProcessed() >= changedRows, k[1]);
      assertEquals(
          again.shards().stream()
              .filter(s -> s.name().equals(scored.get(0)))
              .findFirst()
              .get()
              .rows(),
          again.rowsProcessed(),
          k[1]);
      assertEquals(ROWS, again.rowsScored() + again.rowsRejected(), k[1]);
    }
  }

  /** A date quantile plan is stored in the manifest and reused: a rerun keeps shard identity. */
  @Test
  void aDateQuantilePlanIsReusedByTheNextRun() throws Exception {
    Path out = dir.resolve("date-q-incremental");
    ScoreResult first = run(yaml(input, out, "day", "  quantiles: 4\n"), OutputMode.INCREMENTAL);
    Manifest before = Shardscore.manifest(spark, out.toString()).orElseThrow();
    ScoreResult again = run(yaml(input, out, "day", "  quantiles: 4\n"), OutputMode.INCREMENTAL);
    assertEquals(0, again.rowsProcessed());
    assertEquals(before.plan(), Shardscore.manifest(spark, out.toString()).orElseThrow().plan());
    assertEquals(first.shards().size(), again.shards().size());
  }

  @Test
  void badKeyConfigurationsFailBeforeScoringWithNothingWritten() {
    Map<String, String[]> cases = new java.util.LinkedHashMap<>();
    cases.put(
        "dup",
        new String[] {
          "region",
          "  values: {emea: [DE, FR], amer: [US, FR]}\n",
          "Value 'FR' is listed in shards 'emea' and 'amer'"
        });
    cases.put(
        "dup-decimal",
        new String[] {
          "amount",
          "  values: {a: ['1.5'], b: ['1.50']}\n",
          "Value '1.50' is listed in shards 'a' and 'b'"
        });
    cases.put(
        "wrong-type",
        new String[] {
          "day",
          "  ranges: ['2026-01-01..2026-13-01']\n",
          "not a value of the key 'day' (Spark type date)"
        });
    cases.put(
        "int-on-date",
        new String[] {
          "day", "  ranges: ['0-999']\n", "of the key 'day' (Spark type date) is not of the form"
        });
    cases.put(
        "decimals",
        new String[] {"amount", "  ranges: ['0.001..1.00']\n", "(Spark type decimal(10,2))"});
    cases.put(
        "boolean",
        new String[] {
          "flag", "  ranges: ['0-1']\n", "'flag' has type boolean, which cannot be a shard key"
        });
    cases.put(
        "float",
        new String[] {
          "f", "  hash-buckets: 2\n", "'f' has type float, which cannot be a shard key"
        });
    cases.put(
        "string-quantiles",
        new String[] {
          "region",
          "  quantiles: 3\n",
          "sharding.quantiles needs an ordered key with a numeric code"
        });
    cases.put(
        "string-overlap",
        new String[] {
          "region",
          "  ranges: ['\"A\"..\"M\"', '\"L\"..\"Z\"']\n",
          "'A..M' (\"A\"..\"M\") and 'L..Z' (\"L\"..\"Z\") overlap"
        });
    cases.put(
        "date-order",
        new String[] {
          "day",
          "  ranges: ['2026-04-01..2026-06-30', '2026-01-01..2026-03-31']\n",
          "not in ascending order"
        });
    for (Map.Entry<String, String[]> c : cases.entrySet()) {
      Path out = dir.resolve("bad-" + c.getKey());
      String[] v = c.getValue();
      RuntimeException e =
          assertThrows(
              RuntimeException.class,
              () -> run(yaml(input, out, v[0], v[1]), OutputMode.OVERWRITE),
              c.getKey());
      assertTrue(e.getMessage().contains(v[2]), c.getKey() + ": " + e.getMessage());
      File[] written = out.toFile().listFiles();
      assertTrue(
          written == null || written.length == 0,
          c.getKey() + " wrote " + List.of(written == null ? new File[0] : written));
    }
  }

  @Test
  void theValidatorRefusesAValueInTwoShardsWithoutSpark() {
    Exception e =
        assertThrows(
            RuntimeException.class,
            () ->
                io.shardscore.job.config.JobConfigValidator.validate(
                    JobConfigReader.parse(
                        yaml(
                            input,
                            dir.resolve("v"),
                            "region",
                            "  values: {emea: [DE], amer: [DE]}\n"),
                        "job")));
    assertTrue(
        e.getMessage().contains("Value 'DE' is listed in shards 'emea' and 'amer'"),
        e.getMessage());
    assertFalse(e instanceof ShardingException);
  }
}

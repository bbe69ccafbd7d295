package io.shardscore.job.change;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Function1;

/**
 * The row hash is a function of content: nested and map columns hash equally whatever their
 * physical layout (Unsafe or generic rows, map entry order, Parquet round trips, partitioning), and
 * any change to a value anywhere inside changes the hash.
 */
class RowHasherTest {
  private static final long ROWS = 120;
  private static final long CHANGED = 7;
  @TempDir static Path dir;
  static SparkSession spark;

  /** The columns of the nested test table, by name, as SQL expressions over {@code id}. */
  private static final Map<String, String> NESTED = new LinkedHashMap<>();

  static {
    NESTED.put("id", "id");
    NESTED.put("m_sd", "map('a', cast(id as double), 'b', id * 2.5D, 'c', cast(null as double))");
    NESTED.put(
        "m_ia",
        "map(cast(id as int), array(id * 1.0D, 2.0D), cast(id + 1 as int),"
            + " array(cast(null as double)))");
    NESTED.put("aa", "array(array(id * 1.0D, 0.5D), array(), cast(null as array<double>))");
    NESTED.put(
        "a_st",
        "array(named_struct('a', cast(id as int), 'b', cast(id as string)),"
            + " named_struct('a', 7, 'b', cast(null as string)))");
    NESTED.put("a_bin", "array(cast(cast(id as string) as binary), X'00FF', cast(null as binary))");
    NESTED.put("st", "named_struct('x', id / 3.0D, 'y', array(cast(id as int), 1))");
    NESTED.put("a_bool", "array(id % 2 = 0, true, cast(null as boolean))");
    NESTED.put("ts", "timestamp_micros(id * 1000003)");
    NESTED.put("a_ts", "array(timestamp_micros(id), cast(null as timestamp))");
    NESTED.put("m_st", "map('k', named_struct('p', id, 'q', array(map('z', id))))");
  }

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
  }

  /** The nested table with some columns replaced by other expressions. */
  private static Dataset<Row> nested(int partitions, Map<String, String> replaced) {
    List<String> exprs = new ArrayList<>();
    NESTED.forEach((name, e) -> exprs.add(replaced.getOrDefault(name, e) + " as " + name));
    return spark.range(0, ROWS, 1, partitions).selectExpr(exprs.toArray(String[]::new));
  }

  private static Dataset<Row> nested() {
    return nested(3, Map.of());
  }

  /** The same content laid out otherwise: map entries in reverse order, other partitions. */
  private static Dataset<Row> nestedReordered() {
    return nested(
        5,
        Map.of(
            "m_sd",
            "map('c', cast(null as double), 'b', id * 2.5D, 'a', cast(id as double))",
            "m_ia",
            "map(cast(id + 1 as int), array(cast(null as double)), cast(id as int),"
                + " array(id * 1.0D, 2.0D))"));
  }

  /** Rows of {@code ds} as Spark produces them (UnsafeRow), collected to the driver. */
  private static List<InternalRow> internalRows(Dataset<Row> ds) {
    return ds.queryExecution().toRdd().toJavaRDD().map(InternalRow::copy).collect();
  }

  /** id to [hashA, hashB] of every row of {@code ds}, hashed on the driver. */
  private static Map<Long, List<Long>> hashes(Dataset<Row> ds) {
    return hashes(ds.schema(), internalRows(ds));
  }

  private static Map<Long, List<Long>> hashes(StructType schema, List<InternalRow> rows) {
    RowHasher hasher = new RowHasher(schema);
    int id = schema.fieldIndex("id");
    Map<Long, List<Long>> out = new TreeMap<>();
    for (InternalRow r : rows) {
      out.put(r.getLong(id), List.of(hasher.hashA(r), hasher.hashB(r)));
    }
    assertEquals(rows.size(), out.size(), "ids are unique");
    return out;
  }

  /** The rows of {@code ds} as generic rows (GenericArrayData, ArrayBasedMapData), not Unsafe. */
  private static List<InternalRow> genericRows(Dataset<Row> ds) {
    Function1<Object, Object> toCatalyst =
        CatalystTypeConverters.createToCatalystConverter(ds.schema());
    List<InternalRow> out = new ArrayList<>();
    for (Row r : ds.collectAsList()) {
      out.add((InternalRow) toCatalyst.apply(r));
    }
    assertTrue(out.get(0) instanceof GenericInternalRow, out.get(0).getClass().getName());
    return out;
  }

  /** Equal hashes for every id, or a failure naming the first row that differs. */
  private static void assertSame(
      Map<Long, List<Long>> expected, Map<Long, List<Long>> actual, String what) {
    assertEquals(expected.keySet(), actual.keySet(), what + ": ids");
    for (Long k : expected.keySet()) {
      assertEquals(expected.get(k), actual.get(k), what + ": row " + k);
    }
  }

  private static void assertOnlyChanged(
      Map<Long, List<Long>> base, Map<Long, List<Long>> changed, long id) {
    assertEquals(base.keySet(), changed.keySet());
    for (Long k : base.keySet()) {
      if (k == id) {
        assertNotEquals(base.get(k).get(0), changed.get(k).get(0), "hashA of changed row " + k);
        assertNotEquals(base.get(k).get(1), changed.get(k).get(1), "hashB of changed row " + k);
      } else {
        assertEquals(base.get(k), changed.get(k), "row " + k);
      }
    }
  }

  @Test
  void nestedContentHashesEquallyWhateverTheLayout() {
    Dataset<Row> ds = nested();
    Map<Long, List<Long>> first = hashes(ds);
    assertEquals(ROWS, first.size());
    assertSame(first, hashes(ds), "the same rows hashed twice");
    assertSame(first, hashes(nested()), "a second, equal Dataset");
    assertSame(first, hashes(nestedReordered()), "map entries in another order");
    assertSame(first, hashes(ds.schema(), genericRows(ds)), "generic rather than Unsafe rows");

    Path parquet = dir.resolve("nested");
    nestedReordered().repartition(4, col("id")).write().parquet(parquet.toString());
    Dataset<Row> back = spark.read().parquet(parquet.toString());
    assertSame(first, hashes(back), "read back from Parquet written in other partitions");
    List<String> reversed = new ArrayList<>(NESTED.keySet());
    Collections.reverse(reversed);
    assertSame(
        first,
        hashes(back.selectExpr(reversed.toArray(String[]::new))),
        "columns in another order");
    long distinct = first.values().stream().distinct().count();
    assertEquals(ROWS, distinct, "different rows hash differently");
  }

  @Test
  void hashersShippedToExecutorsAgreeWithTheDriver() {
    Dataset<Row> ds = nestedReordered();
    RowHasher hasher = new RowHasher(ds.schema(), "id");
    FlatMapFunction<Iterator<InternalRow>, long[]> sums =
        rows -> {
          long[] acc = new long[2];
          while (rows.hasNext()) {
            InternalRow r = rows.next();
            acc[0] += hasher.hashA(r);
            acc[1] += hasher.hashB(r);
          }
          return List.of(acc).iterator();
        };
    long[] onExecutors = new long[2];
    for (long[] p : ds.queryExecution().toRdd().toJavaRDD().mapPartitions(sums).collect()) {
      onExecutors[0] += p[0];
      onExecutors[1] += p[1];
    }
    long[] onDriver = new long[2];
    for (InternalRow r : internalRows(nested())) {
      onDriver[0] += hasher.hashA(r);
      onDriver[1] += hasher.hashB(r);
    }
    assertEquals(onDriver[0], onExecutors[0]);
    assertEquals(onDriver[1], onExecutors[1]);
  }

  @Test
  void aChangedValueAnywhereChangesTheHash() {
    Map<Long, List<Long>> base = hashes(nested());
    String when = "CASE WHEN id = " + CHANGED + " THEN ";
    Map<String, String> changes = new LinkedHashMap<>();
    changes.put(
        "m_sd", "map('a', cast(id as double), 'b', " + when + "-1D ELSE id * 2.5D END, 'c', NULL)");
    changes.put(
        "m_ia",
        "map(cast(id as int), array(id * 1.0D, "
            + when
            + "2.5D ELSE 2.0D END), cast(id + 1 as int),"
            + " array(cast(null as double)))");
    changes.put(
        "aa",
        "array(array(id * 1.0D, "
            + when
            + "0.25D ELSE 0.5D END), array(),"
            + " cast(null as array<double>))");
    changes.put(
        "a_st",
        "array(named_struct('a', cast(id as int), 'b', cast(id as string)),"
            + " named_struct('a', 7, 'b', "
            + when
            + "'x' END))");
    changes.put(
        "a_bin",
        "array(cast(cast(id as string) as binary), "
            + when
            + "X'00FE' ELSE X'00FF' END,"
            + " cast(null as binary))");
    changes.put(
        "st",
        "named_struct('x', " + when + "0D ELSE id / 3.0D END, 'y', array(cast(id as int), 1))");
    changes.put(
        "a_bool", "array(id % 2 = 0, " + when + "false ELSE true END, cast(null as boolean))");
    changes.put("ts", "timestamp_micros(id * 1000003 + " + when + "1 ELSE 0 END)");
    changes.put("a_ts", "array(timestamp_micros(id), " + when + "timestamp_micros(0) END)");
    changes.put(
        "m_st",
        "map('k', named_struct('p', id, 'q', array(map('z', " + when + "-1L ELSE id END))))");
    changes.forEach(
        (column, expr) ->
            assertOnlyChanged(base, hashes(nested(3, Map.of(column, expr))), CHANGED));
  }

  @Test
  void mapValuesBelongToTheirKeys() {
    Dataset<Row> maps =
        spark.sql(
            "SELECT 1L AS id, map('a', 1, 'b', 2) AS m UNION ALL "
                + "SELECT 2L, map('a', 2, 'b', 1) UNION ALL "
                + "SELECT 3L, map('b', 1, 'a', 2) UNION ALL "
                + "SELECT 4L, map('a', 1) UNION ALL "
                + "SELECT 5L, map('a', 1, 'b', 2, 'c', 3) UNION ALL "
                + "SELECT 6L, map('b', 1, 'a', 1) UNION ALL "
                + "SELECT 7L, map('a', 2, 'b', 2) UNION ALL "
                + "SELECT 8L, map('a', 1, 'b', 2)");
    RowHasher hasher = new RowHasher(maps.schema(), "id");
    Map<Long, Long> byId = new TreeMap<>();
    for (InternalRow r : internalRows(maps)) {
      byId.put(r.getLong(0), hasher.hashA(r));
    }
    assertEquals(byId.get(1L), byId.get(8L), "{a:1,b:2} twice");
    assertNotEquals(byId.get(1L), byId.get(2L), "{a:1,b:2} vs {a:2,b:1}");
    assertEquals(byId.get(2L), byId.get(3L), "{a:2,b:1} vs {b:1,a:2}");
    assertEquals(8, byId.size());
    assertEquals(6, byId.values().stream().distinct().count(), "only the equal maps collide");
  }

  @Test
  void numbersAreCanonicalInsideNestedValues() {
    Dataset<Row> a =
        spark.sql(
            "SELECT 1L AS id, map('x', 0.0D, 'y', double('NaN')) AS m,"
                + " named_struct('f', 0.0D, 'g', array(float('NaN'))) AS s");
    Dataset<Row> b =
        spark.sql(
            "SELECT 1L AS id, map('y', -double('NaN'), 'x', -0.0D) AS m,"
                + " named_struct('f', -0.0D, 'g', array(-float('NaN'))) AS s");
    assertSame(hashes(a), hashes(b), "-0.0 and NaN inside a map and a struct");
  }

  @Test
  void typesHashedByValueBeforeKeepTheirHashValues() {
    Dataset<Row> ds =
        spark
            .range(0, ROWS, 1, 2)
            .selectExpr(
                "id",
                "cast(id as int) AS i",
                "cast(id as short) AS sh",
                "cast(id as byte) AS b",
                "date_add(date'2020-01-01', cast(id as int)) AS d",
                "CASE WHEN id % 3 = 0 THEN -0.0D WHEN id % 3 = 1 THEN double('NaN') ELSE id / 7D END"
                    + " AS dbl",
                "CASE WHEN id % 5 = 0 THEN NULL ELSE cast(id / 7D as float) END AS f",
                "id % 2 = 0 AS bool",
                "timestamp_micros(id * 999) AS ts",
                "cast(timestamp_micros(id * 999) as timestamp_ntz) AS ntz",
                "cast(id as string) AS str",
                "cast(cast(id as string) as binary) AS bin",
                "cast(id / 4D as decimal(10, 2)) AS dec",
                "cast(id * 100 as decimal(12, 0)) AS dec_int",
                "cast(-id / 3D as decimal(38, 10)) AS dec_wide",
                "make_dt_interval(0, 0, cast(id as int), 0) AS dt",
                "make_ym_interval(0, cast(id as int)) AS ym",
                // Arrays of longs, ints, doubles and floats keep scheme 1's values when they hold
                // a null; without one they are hashed in bulk (scheme 2, BulkArrayHashTest).
                "array(id, -id, NULL) AS a_long",
                "array(cast(id as int), NULL) AS a_int",
                "array(cast(id as short)) AS a_short",
                "array(cast(id as byte)) AS a_byte",
                "array(id / 3D, -0.0D, double('NaN'), NULL) AS a_dbl",
                "array(cast(id / 3D as float), float(-0.0), NULL) AS a_flt",
                "array(cast(id as string), NULL) AS a_str",
                "array(cast(id / 8D as decimal(9, 3)), cast(-id as decimal(9, 3))) AS a_dec",
                "array(date'2020-01-01', NULL) AS a_date",
                "array(id % 3 = 0, NULL) AS a_bool",
                "array(timestamp_micros(id), timestamp_micros(-id)) AS a_ts",
                "array(make_dt_interval(0, 0, 0, cast(id as int))) AS a_dt",
                "array(make_ym_interval(1, cast(id as int))) AS a_ym");
    LegacyRowHasher legacy = new LegacyRowHasher(ds.schema(), "id");
    RowHasher hasher = new RowHasher(ds.schema(), "id");
    for (InternalRow r : internalRows(ds)) {
      assertEquals(legacy.hashA(r), hasher.hashA(r), "hashA of row " + r.getLong(0));
      assertEquals(legacy.hashB(r), hasher.hashB(r), "hashB of row " + r.getLong(0));
    }
  }

  @Test
  void decimalsKeepTheirHashValuesWithoutBigDecimal() {
    StructType schema =
        new StructType()
            .add("n", DataTypes.createDecimalType(18, 6))
            .add("s", DataTypes.createDecimalType(18, 0))
            .add("w", DataTypes.createDecimalType(38, 12));
    LegacyRowHasher legacy = new LegacyRowHasher(schema);
    RowHasher hasher = new RowHasher(schema);
    Random random = new Random(42);
    for (int k = 0; k < 20_000; k++) {
      long unscaled =
          switch (k % 4) {
            case 0 -> random.nextLong() % 1_000_000_000_000_000_000L;
            case 1 -> (random.nextInt(2001) - 1000) * (long) Math.pow(10, random.nextInt(10));
            case 2 -> random.nextInt(21) - 10;
            default -> k % 8 == 3 ? 999_999_999_999_999_999L : -999_999_999_999_999_999L;
          };
      InternalRow row =
          new GenericInternalRow(
              new Object[] {
                Decimal.apply(BigDecimal.valueOf(unscaled, 6), 18, 6),
                Decimal.apply(BigDecimal.valueOf(unscaled, 0), 18, 0),
                Decimal.apply(BigDecimal.valueOf(unscaled, 12).multiply(BigDecimal.TEN), 38, 12)
              });
      assertEquals(legacy.hashA(row), hasher.hashA(row), "hashA of " + unscaled);
      assertEquals(legacy.hashB(row), hasher.hashB(row), "hashB of " + unscaled);
    }
    RowHasher two = new RowHasher(new StructType().add("n", DataTypes.createDecimalType(9, 2)));
    RowHasher one = new RowHasher(new StructType().add("n", DataTypes.createDecimalType(18, 1)));
    InternalRow a = new GenericInternalRow(new Object[] {Decimal.apply(1_50L, 9, 2)});
    InternalRow b = new GenericInternalRow(new Object[] {Decimal.apply(1_5L, 18, 1)});
    assertEquals(two.hashA(a), one.hashA(b), "1.50 and 1.5 are the same value");
    assertEquals(two.hashB(a), one.hashB(b), "1.50 and 1.5 are the same value");
  }

  @Test
  void typesWithoutAValueEncodingAreRefusedNamingTheColumn() {
    Dataset<Row> ds =
        spark.sql(
            "SELECT 1L AS id, parse_json('{\"a\": 1}') AS payload,"
                + " array(named_struct('v', parse_json('2'))) AS events");
    IllegalArgumentException top =
        assertThrows(IllegalArgumentException.class, () -> new RowHasher(ds.schema(), "events"));
    assertTrue(top.getMessage().contains("Column 'payload' has type variant"), top.getMessage());
    assertTrue(top.getMessage().contains("out of scoring.passthrough"), top.getMessage());
    IllegalArgumentException nested =
        assertThrows(IllegalArgumentException.class, () -> new RowHasher(ds.schema(), "payload"));
    assertTrue(
        nested.getMessage().contains("Column 'events' has type array<struct<v:variant>>"),
        nested.getMessage());
    assertTrue(nested.getMessage().contains("which holds variant"), nested.getMessage());
    assertDoesNotThrow(() -> new RowHasher(ds.schema(), "payload", "events"));
  }

  @Test
  void incrementalRunsOverNestedColumnsFindUnchangedInputUnchanged() {
    Path model = SparkTestSession.model(dir);
    Path v1 = dir.resolve("demo-nested-v1");
    DemoData.frame(spark, 2_000, 2, false)
        .selectExpr(
            "*",
            "map('a', cast(customer_id as double), 'b', 1.5D, 'c', -0.0D) AS tags",
            "array(array(cast(customer_id as double)), array()) AS nested",
            "array(named_struct('a', cast(customer_id as int), 'b', 'x')) AS events",
            "named_struct('x', 0.5D, 'y', array(1, 2)) AS point",
            "array(cast(cast(customer_id as string) as binary)) AS blobs")
        .write()
        .parquet(v1.toString());
    Path out = dir.resolve("demo-nested-out");
    // The first run plans with fingerprints and its tasks fingerprint what they score: both agree.
    ScoreResult first = Shardscore.job(spark, incremental(v1, model, out)).execute();
    assertEquals(2_000, first.rowsIn());

    // The same content in other files: other partitioning, map entries in another order.
    Path v2 = dir.resolve("demo-nested-v2");
    spark
        .read()
        .parquet(v1.toString())
        .withColumn("tags", expr("map_from_entries(reverse(map_entries(tags)))"))
        .repartition(3)
        .write()
        .parquet(v2.toString());
    ChangePlan plan = Shardscore.job(spark, incremental(v2, model, out)).plan();
    assertTrue(plan.nothingToDo(), plan.toString());

    // One nested value changes: only its shard is scored again.
    Path v3 = dir.resolve("demo-nested-v3");
    spark
        .read()
        .parquet(v2.toString())
        .withColumn(
            "tags",
            expr(
                "CASE WHEN customer_id = 1500 THEN map('a', 1500D, 'b', 2.5D, 'c', 0D) ELSE tags END"))
        .write()
        .parquet(v3.toString());
    ChangePlan changed = Shardscore.job(spark, incremental(v3, model, out)).plan();
    List<String> scored =
        changed.changes().stream().filter(c -> c.status().scores()).map(ShardChange::name).toList();
    assertEquals(List.of("1000-1999"), scored, changed.toString());
  }

  @Test
  void jobsRefuseCarriedColumnsWithoutAValueEncoding() {
    Path model = SparkTestSession.model(dir);
    Path out = dir.resolve("demo-variant-out");
    Dataset<Row> input =
        DemoData.frame(spark, 200, 1, false).selectExpr("*", "parse_json('{\"a\": 1}') AS payload");
    JobConfig all = incremental(dir.resolve("unused"), model, out);
    JobConfigException e =
        assertThrows(
            JobConfigException.class, () -> Shardscore.job(spark, all).input(input).plan());
    assertTrue(e.getMessage().contains("Column 'payload' has type variant"), e.getMessage());
    List<String> carried = new ArrayList<>(List.of(input.columns()));
    carried.remove("payload");
    JobConfig without =
        all.withScoring(new ScoringConfig(all.scoring().batchSize(), carried, null));
    assertDoesNotThrow(() -> Shardscore.job(spark, without).input(input).plan());
  }

  private static JobConfig incremental(Path input, Path model, Path out) {
    return SparkTestSession.job(input, model, out, "0-999,1000-1999", "")
        .withOutput(new OutputConfig(out.toString(), "incremental"));
  }
}

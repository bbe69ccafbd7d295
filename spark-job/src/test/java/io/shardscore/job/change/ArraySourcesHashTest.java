package io.shardscore.job.change;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.shardscore.job.SparkTestSession;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheme 2 against the ways Spark builds arrays: literals, {@code from_json}, {@code slice}, a
 * string split and cast (as from CSV), Parquet and ORC round trips, arrays in structs and maps.
 * Equal content hashes equal, whatever built it; bytes of an UnsafeArrayData outside its elements
 * (the padding of odd-length int and float arrays, null bits past the last element) are not part of
 * the hash.
 */
class ArraySourcesHashTest {
  @TempDir Path dir;

  /** Every variant column of {@code ds} (all but {@code id}) hashed alone, by id and column. */
  private static Map<String, Long> hashes(Dataset<Row> ds) {
    Map<String, Long> out = new HashMap<>();
    for (String c : ds.columns()) {
      if (c.equals("id")) {
        continue;
      }
      Dataset<Row> one = ds.select(col("id"), col(c).as("v"));
      RowHasher h = new RowHasher(one.schema(), "id");
      assertEquals(RowHasher.BULK_SCHEME, h.scheme(), c);
      List<long[]> rows =
          one.queryExecution()
              .toRdd()
              .toJavaRDD()
              .map(r -> new long[] {r.getLong(0), h.hashA(r), h.hashB(r)})
              .collect();
      for (long[] r : rows) {
        out.put(c + "#" + r[0], r[1]);
        out.put(c + "#" + r[0] + "B", r[2]);
      }
    }
    return out;
  }

  private static Column floats(float... v) {
    Column[] c = new Column[v.length];
    for (int i = 0; i < v.length; i++) {
      c[i] = lit(v[i]);
    }
    return array(c);
  }

  @Test
  void equalContentHashesEqualWhateverBuiltTheArray() {
    SparkSession spark = SparkTestSession.get();
    // Row 0 holds [1.5, -0.0, 3.0] (odd length, a negative zero); row 1 holds [2.0, 0.0, 7.0].
    Column first = col("id").equalTo(0);
    Dataset<Row> built =
        spark
            .range(0, 2, 1, 2)
            .select(
                col("id"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .when(first, floats(1.5f, -0.0f, 3f))
                    .otherwise(floats(2f, 0f, 7f))
                    .as("literal"),
                from_json(
                        org.apache
                            .spark
                            .sql
                            .functions
                            .when(first, lit("[1.5, 0.0, 3.0]"))
                            .otherwise(lit("[2.0, -0.0, 7.0]")),
                        DataTypes.createArrayType(DataTypes.FloatType))
                    .as("json"),
                slice(
                        org.apache
                            .spark
                            .sql
                            .functions
                            .when(first, floats(9f, 1.5f, 0f, 3f, 9f))
                            .otherwise(floats(9f, 2f, 0f, 7f, 9f)),
                        2,
                        3)
                    .as("sliced"),
                split(
                        org.apache
                            .spark
                            .sql
                            .functions
                            .when(first, lit("1.5;-0.0;3"))
                            .otherwise(lit("2;0;7")),
                        ";")
                    .cast(DataTypes.createArrayType(DataTypes.FloatType))
                    .as("csv"));
    Path parquet = dir.resolve("p");
    Path orc = dir.resolve("o");
    built.write().parquet(parquet.toString());
    built.write().orc(orc.toString());
    Map<String, Long> h = hashes(built);
    Map<String, Long> fromParquet = hashes(spark.read().parquet(parquet.toString()));
    Map<String, Long> fromOrc = hashes(spark.read().orc(orc.toString()));
    for (String id : List.of("0", "1", "0B", "1B")) {
      long expected = h.get("literal#" + id);
      for (String c : List.of("literal", "json", "sliced", "csv")) {
        assertEquals(expected, h.get(c + "#" + id), c + " row " + id);
        assertEquals(expected, fromParquet.get(c + "#" + id), c + " from Parquet, row " + id);
        assertEquals(expected, fromOrc.get(c + "#" + id), c + " from ORC, row " + id);
      }
    }
    assertNotEquals(h.get("literal#0"), h.get("literal#1"));
  }

  @Test
  void arraysInStructsAndMapsHashByContent() {
    SparkSession spark = SparkTestSession.get();
    Column first = col("id").equalTo(0);
    Column v =
        org.apache
            .spark
            .sql
            .functions
            .when(first, floats(1f, -0.0f, 3f))
            .otherwise(floats(1f, 0f, 3f, 0f));
    Dataset<Row> built =
        spark
            .range(0, 2, 1, 1)
            .select(
                col("id"),
                struct(lit("x").as("s"), v.as("v")).as("st"),
                map(lit("k"), v).as("m"),
                array(v, v).as("nested"));
    Path parquet = dir.resolve("nested");
    built.write().parquet(parquet.toString());
    Map<String, Long> h = hashes(built);
    Map<String, Long> read = hashes(spark.read().parquet(parquet.toString()));
    for (String c : List.of("st", "m", "nested")) {
      for (String id : List.of("0", "1", "0B", "1B")) {
        assertEquals(h.get(c + "#" + id), read.get(c + "#" + id), c + " row " + id);
      }
      // [1, 0, 3] and [1, 0, 3, 0]: a trailing zero (where padding would lie) is content.
      assertNotEquals(h.get(c + "#0"), h.get(c + "#1"), c);
    }
  }

  /** Garbage in the padding after an odd-length array and in null bits past its last element. */
  @Test
  void bytesOutsideTheElementsAreNotHashed() {
    int[] ints = {1, -2, 3};
    float[] fls = {1.5f, -0.0f, 3f};
    for (boolean isFloat : new boolean[] {false, true}) {
      StructType schema =
          new StructType()
              .add("id", DataTypes.LongType)
              .add(
                  "x",
                  DataTypes.createArrayType(isFloat ? DataTypes.FloatType : DataTypes.IntegerType));
      RowHasher h = new RowHasher(schema, "id");
      UnsafeArrayData clean =
          isFloat
              ? UnsafeArrayData.fromPrimitiveArray(fls)
              : UnsafeArrayData.fromPrimitiveArray(ints);
      UnsafeArrayData dirty = clean.copy();
      Object base = dirty.getBaseObject();
      long off = dirty.getBaseOffset();
      // Header: 8 bytes of length, 8 of null bits; 3 elements of 4 bytes, then 4 bytes of padding.
      Platform.putInt(base, off + 8 + 8 + 12, 0xDEAD_BEEF);
      Platform.putLong(base, off + 8, Platform.getLong(base, off + 8) | (1L << 40));
      assertEquals(16 + 16, dirty.getSizeInBytes());
      InternalRow a = new GenericInternalRow(new Object[] {1L, clean});
      InternalRow b = new GenericInternalRow(new Object[] {1L, dirty});
      assertEquals(h.hashA(a), h.hashA(b), isFloat ? "float" : "int");
      assertEquals(h.hashB(a), h.hashB(b), isFloat ? "float" : "int");
    }
  }
}

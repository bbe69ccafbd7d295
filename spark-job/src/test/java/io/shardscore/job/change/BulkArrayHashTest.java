package io.shardscore.job.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Fingerprint scheme 2: arrays of ints, longs, floats and doubles without nulls are hashed in bulk
 * from their memory. The hash is a function of the content only: the same whatever the layout
 * (UnsafeRow over UnsafeArrayData, as Parquet reads deliver them, or generic rows and arrays), one
 * zero and one NaN, any changed element changes it, and null elements are told from values.
 */
class BulkArrayHashTest {
  private static final List<DataType> ELEMENTS =
      List.of(DataTypes.FloatType, DataTypes.DoubleType, DataTypes.IntegerType, DataTypes.LongType);

  private static StructType schema(DataType element) {
    return new StructType()
        .add("id", DataTypes.LongType)
        .add("x", DataTypes.createArrayType(element, true));
  }

  /** {@code values} as an array of {@code element}s; a null entry is a null element. */
  private static ArrayData generic(DataType element, Double... values) {
    Object[] out = new Object[values.length];
    for (int i = 0; i < values.length; i++) {
      Double v = values[i];
      out[i] =
          v == null
              ? null
              : element == DataTypes.FloatType
                  ? (Object) v.floatValue()
                  : element == DataTypes.DoubleType
                      ? (Object) v
                      : element == DataTypes.IntegerType
                          ? (Object) v.intValue()
                          : (Object) v.longValue();
    }
    return new GenericArrayData(out);
  }

  private static InternalRow genericRow(ArrayData x) {
    return new GenericInternalRow(new Object[] {7L, x});
  }

  /** The same row as an UnsafeRow: its array becomes an UnsafeArrayData in the row's memory. */
  private static InternalRow unsafeRow(DataType element, ArrayData x) {
    return UnsafeProjection.create(schema(element)).apply(genericRow(x)).copy();
  }

  private static long[] hash(RowHasher h, InternalRow row) {
    return new long[] {h.hashA(row), h.hashB(row)};
  }

  private static void assertSameHash(RowHasher h, InternalRow a, InternalRow b, String what) {
    assertEquals(h.hashA(a), h.hashA(b), what + " (hashA)");
    assertEquals(h.hashB(a), h.hashB(b), what + " (hashB)");
  }

  @Test
  void everyLayoutOfTheSameArrayHashesTheSame() {
    List<Double[]> contents =
        List.of(
            new Double[] {},
            new Double[] {1.5},
            new Double[] {1.0, -2.0, 3.0, 0.0, 4.0, 5.0, 6.0, 7.0, 8.0},
            new Double[] {1.0, null, 3.0},
            new Double[] {null});
    for (DataType element : ELEMENTS) {
      RowHasher h = new RowHasher(schema(element));
      for (Double[] c : contents) {
        ArrayData a = generic(element, c);
        InternalRow unsafe = unsafeRow(element, a);
        assertTrue(unsafe.getArray(1) instanceof UnsafeArrayData);
        String what = element.simpleString() + " " + java.util.Arrays.toString(c);
        assertSameHash(h, genericRow(a), unsafe, what);
        // An UnsafeArrayData inside a generic row: the bulk path without an UnsafeRow around it.
        assertSameHash(h, genericRow(unsafe.getArray(1).copy()), unsafe, what + " in a row");
      }
    }
  }

  @Test
  void oneZeroAndOneNaNInBulk() {
    for (DataType element : List.of(DataTypes.FloatType, DataTypes.DoubleType)) {
      RowHasher h = new RowHasher(schema(element));
      InternalRow zero = unsafeRow(element, generic(element, 1.0, 0.0, 2.0));
      InternalRow negativeZero = unsafeRow(element, generic(element, 1.0, -0.0, 2.0));
      assertSameHash(h, zero, negativeZero, element.simpleString() + ": -0.0 is 0.0");
      InternalRow nan = unsafeRow(element, generic(element, 1.0, Double.NaN, 2.0));
      ArrayData otherNaN =
          element == DataTypes.FloatType
              ? UnsafeArrayData.fromPrimitiveArray(
                  new float[] {1f, Float.intBitsToFloat(0x7FC0_0001), 2f})
              : UnsafeArrayData.fromPrimitiveArray(
                  new double[] {1d, Double.longBitsToDouble(0x7FF8_0000_0000_0001L), 2d});
      assertSameHash(h, nan, genericRow(otherNaN), element.simpleString() + ": one NaN");
      assertNotEquals(h.hashA(zero), h.hashA(nan));
    }
  }

  @Test
  void aChangedElementAnywhereChangesTheHash() {
    for (DataType element : ELEMENTS) {
      RowHasher h = new RowHasher(schema(element));
      Double[] base = new Double[32];
      for (int i = 0; i < base.length; i++) {
        base[i] = (double) (i + 1);
      }
      Set<Long> seen = new HashSet<>();
      seen.add(h.hashA(unsafeRow(element, generic(element, base))));
      for (int i = 0; i < base.length; i++) {
        Double[] changed = base.clone();
        changed[i] = changed[i] + 100;
        Double[] nulled = base.clone();
        nulled[i] = null;
        assertTrue(
            seen.add(h.hashA(unsafeRow(element, generic(element, changed)))),
            element.simpleString() + ": element " + i + " changed");
        assertTrue(
            seen.add(h.hashA(unsafeRow(element, generic(element, nulled)))),
            element.simpleString() + ": element " + i + " null");
      }
      Double[] longer = java.util.Arrays.copyOf(base, 33);
      longer[32] = 0.0;
      assertTrue(seen.add(h.hashA(unsafeRow(element, generic(element, longer)))), "appended 0");
    }
  }

  @Test
  void aNullElementIsNotAZeroAndANullArrayIsNotAnEmptyOne() {
    for (DataType element : ELEMENTS) {
      RowHasher h = new RowHasher(schema(element));
      long[] withNull = hash(h, unsafeRow(element, generic(element, 1.0, null)));
      long[] withZero = hash(h, unsafeRow(element, generic(element, 1.0, 0.0)));
      assertFalse(withNull[0] == withZero[0] || withNull[1] == withZero[1], element.simpleString());
      long[] empty = hash(h, unsafeRow(element, generic(element)));
      long[] nullArray = hash(h, UnsafeProjection.create(schema(element)).apply(genericRow(null)));
      assertNotEquals(empty[0], nullArray[0], element.simpleString());
    }
  }

  @Test
  void fingerprintsCarryTheirScheme() {
    ShardFingerprint now = new ShardFingerprint(3, -1L, 42L);
    assertEquals(RowHasher.SCHEME, now.scheme());
    assertEquals("s2:3:ffffffffffffffff000000000000002a", now.encoded());
    assertEquals(now, ShardFingerprint.decode(now.encoded()));
    // Manifests written before schemes were recorded: scheme 1, and never equal to scheme 2.
    ShardFingerprint old = ShardFingerprint.decode("3:ffffffffffffffff000000000000002a");
    assertEquals(1, old.scheme());
    assertFalse(old.currentScheme());
    assertEquals("3:ffffffffffffffff000000000000002a", old.encoded());
    assertNotEquals(now, old);
    assertNotEquals(now.encoded(), old.encoded());
  }
}

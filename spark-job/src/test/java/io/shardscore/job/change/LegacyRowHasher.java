package io.shardscore.job.change;

import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The encoding RowHasher used before nested types were hashed by value (a verbatim copy of the
 * previous RowHasher), kept in the tests only to check that the new encoding keeps the hash values
 * of the types the old one hashed by value, so that fingerprints stored by earlier runs still
 * match.
 */
final class LegacyRowHasher implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long SEED_A = 0x5348_4152_4453_434FL;
  private static final long SEED_B = 0x7265_7363_6F72_6521L;
  private static final long NULL_MARK = 0x9E37_79B9_7F4A_7C15L;

  private final int[] ordinals;
  private final DataType[] types;
  private final long[] nameHashA;
  private final long[] nameHashB;

  /** Hashes the columns of {@code schema} at their ordinals; {@code skip} names are left out. */
  LegacyRowHasher(StructType schema, String... skip) {
    StructField[] fields = schema.fields();
    Integer[] order = new Integer[fields.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparing(i -> fields[i].name()));
    int n = 0;
    int[] ords = new int[fields.length];
    for (Integer i : order) {
      if (!Arrays.asList(skip).contains(fields[i].name())) {
        ords[n++] = i;
      }
    }
    this.ordinals = Arrays.copyOf(ords, n);
    this.types = new DataType[n];
    this.nameHashA = new long[n];
    this.nameHashB = new long[n];
    for (int k = 0; k < n; k++) {
      StructField f = fields[ordinals[k]];
      types[k] = f.dataType();
      byte[] name = f.name().getBytes(StandardCharsets.UTF_8);
      nameHashA[k] = XXH64.hashUnsafeBytes(name, Platform.BYTE_ARRAY_OFFSET, name.length, SEED_A);
      nameHashB[k] = XXH64.hashUnsafeBytes(name, Platform.BYTE_ARRAY_OFFSET, name.length, SEED_B);
    }
  }

  /** First 64 bits of the row's hash. */
  public long hashA(InternalRow row) {
    long h = SEED_A;
    for (int k = 0; k < ordinals.length; k++) {
      h = value(row, ordinals[k], types[k], h ^ nameHashA[k]);
    }
    return h;
  }

  /** Second, independent 64 bits of the row's hash. */
  public long hashB(InternalRow row) {
    long h = SEED_B;
    for (int k = 0; k < ordinals.length; k++) {
      h = value(row, ordinals[k], types[k], h ^ nameHashB[k]);
    }
    return h;
  }

  private static long value(InternalRow row, int i, DataType t, long seed) {
    if (row.isNullAt(i)) {
      return XXH64.hashLong(NULL_MARK, seed);
    }
    if (t instanceof LongType) {
      return XXH64.hashLong(row.getLong(i), seed);
    } else if (t instanceof IntegerType || t instanceof DateType) {
      return XXH64.hashLong(row.getInt(i), seed);
    } else if (t instanceof ShortType) {
      return XXH64.hashLong(row.getShort(i), seed);
    } else if (t instanceof ByteType) {
      return XXH64.hashLong(row.getByte(i), seed);
    } else if (t instanceof DoubleType) {
      return XXH64.hashLong(canonical(row.getDouble(i)), seed);
    } else if (t instanceof FloatType) {
      return XXH64.hashLong(canonical(row.getFloat(i)), seed);
    } else if (t instanceof BooleanType) {
      return XXH64.hashLong(row.getBoolean(i) ? 1 : 0, seed);
    } else if (t instanceof TimestampType || t instanceof TimestampNTZType) {
      return XXH64.hashLong(row.getLong(i), seed);
    } else if (t instanceof StringType) {
      return XXH64.hashUTF8String(row.getUTF8String(i), seed);
    } else if (t instanceof BinaryType) {
      byte[] b = row.getBinary(i);
      return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, seed);
    } else if (t instanceof DecimalType d) {
      return decimal(row.getDecimal(i, d.precision(), d.scale()).toJavaBigDecimal(), seed);
    } else if (t instanceof ArrayType a) {
      return array(row.getArray(i), a.elementType(), seed);
    }
    return text(String.valueOf(row.get(i, t)), seed);
  }

  private static long array(ArrayData array, DataType element, long seed) {
    long h = XXH64.hashLong(array.numElements(), seed);
    for (int e = 0; e < array.numElements(); e++) {
      if (array.isNullAt(e)) {
        h = XXH64.hashLong(NULL_MARK, h);
      } else if (element instanceof LongType) {
        h = XXH64.hashLong(array.getLong(e), h);
      } else if (element instanceof IntegerType || element instanceof DateType) {
        h = XXH64.hashLong(array.getInt(e), h);
      } else if (element instanceof ShortType) {
        h = XXH64.hashLong(array.getShort(e), h);
      } else if (element instanceof ByteType) {
        h = XXH64.hashLong(array.getByte(e), h);
      } else if (element instanceof DoubleType) {
        h = XXH64.hashLong(canonical(array.getDouble(e)), h);
      } else if (element instanceof FloatType) {
        h = XXH64.hashLong(canonical(array.getFloat(e)), h);
      } else if (element instanceof StringType) {
        h = XXH64.hashUTF8String(array.getUTF8String(e), h);
      } else if (element instanceof DecimalType d) {
        h = decimal(array.getDecimal(e, d.precision(), d.scale()).toJavaBigDecimal(), h);
      } else {
        h = text(String.valueOf(array.get(e, element)), h);
      }
    }
    return h;
  }

  private static long canonical(double v) {
    if (v == 0.0) {
      return 0L; // -0.0 and 0.0
    }
    return Double.doubleToLongBits(v); // collapses every NaN to one
  }

  private static long decimal(BigDecimal v, long seed) {
    return text(v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString(), seed);
  }

  private static long text(String s, long seed) {
    return XXH64.hashUTF8String(UTF8String.fromString(s), seed);
  }
}

package io.shardscore.job.change;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.CalendarIntervalType;
import org.apache.spark.sql.types.CharType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimeType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.sql.types.VarcharType;
import org.apache.spark.sql.types.YearMonthIntervalType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.CalendarInterval;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A 128-bit hash (two independent 64-bit XXH64 chains) of a row's content over a canonical
 * encoding, so that equal content hashes equally whatever the physical layout: columns are taken in
 * name order, every integral type is widened to long, float to double, {@code -0.0} equals {@code
 * 0.0}, every NaN is the same NaN, decimals compare by value. Column names are mixed in, so
 * swapping values between columns changes the hash.
 *
 * <p>Every Spark SQL type is hashed by value, recursively: an array mixes in its length and marks
 * null elements; a struct mixes in its field names (taken in name order, like columns); a map is
 * hashed independently of its entry order, as the sum of its entries' hashes (each entry hashes its
 * key, then its value) finished with the entry count. Types without a by-value encoding (variant,
 * geometry, geography, object) are refused when the hasher is built, naming the column.
 *
 * <p>The hashing function of every column is chosen once, from its type, when the hasher is built;
 * hashing numbers and arrays of numbers allocates nothing, and strings and binaries are hashed
 * where they lie in an UnsafeRow, without copying.
 *
 * <p>The hash values of the types the earlier encoding hashed by value are kept (atomic columns
 * other than calendar intervals, and arrays of numbers, dates, decimals, strings, booleans,
 * timestamps and ANSI intervals), so fingerprints stored by earlier runs still match.
 */
public final class RowHasher implements Serializable {
  private static final long serialVersionUID = 2L;
  private static final long SEED_A = 0x5348_4152_4453_434FL;
  private static final long SEED_B = 0x7265_7363_6F72_6521L;
  private static final long NULL_MARK = 0x9E37_79B9_7F4A_7C15L;
  private static final long STRUCT_MARK = 0xC2B2_AE3D_27D4_EB4FL;
  private static final long MAP_MARK = 0x1656_67B1_9E37_79F9L;
  private static final byte[] TRUE = "true".getBytes(StandardCharsets.UTF_8);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.UTF_8);
  private static final byte[] ZERO = "0".getBytes(StandardCharsets.UTF_8);

  private final int[] ordinals;
  private final String[] names;
  private final DataType[] types;
  private transient Fields chainA;
  private transient Fields chainB;

  /**
   * Hashes the columns of {@code schema} at their ordinals; {@code skip} names are left out.
   *
   * @throws IllegalArgumentException when a hashed column's type, or a type inside it, has no
   *     by-value encoding (variant, geometry, geography, object)
   */
  public RowHasher(StructType schema, String... skip) {
    StructField[] fields = schema.fields();
    List<String> skipped = Arrays.asList(skip);
    int[] ords =
        sortedByName(fields).stream()
            .filter(i -> !skipped.contains(fields[i].name()))
            .mapToInt(Integer::intValue)
            .toArray();
    this.ordinals = ords;
    this.names = new String[ords.length];
    this.types = new DataType[ords.length];
    for (int k = 0; k < ords.length; k++) {
      names[k] = fields[ords[k]].name();
      types[k] = fields[ords[k]].dataType();
    }
    build();
  }

  /** First 64 bits of the row's hash. */
  public long hashA(InternalRow row) {
    return chainA.chain(row, SEED_A);
  }

  /** Second, independent 64 bits of the row's hash. */
  public long hashB(InternalRow row) {
    return chainB.chain(row, SEED_B);
  }

  private void build() {
    chainA = fields(names, ordinals, types, SEED_A, Mode.COLUMN, null, null);
    chainB = fields(names, ordinals, types, SEED_B, Mode.COLUMN, null, null);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    build();
  }

  private static List<Integer> sortedByName(StructField[] fields) {
    Integer[] order = new Integer[fields.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparing(i -> fields[i].name()));
    return Arrays.asList(order);
  }

  /**
   * Where a value sits. Columns and the elements of array columns keep the hash values of the
   * encoding shardscore used before nested types were supported; everything nested deeper (or in a
   * struct or map) uses the canonical encoding.
   */
  private enum Mode {
    COLUMN,
    COLUMN_ARRAY_ELEMENT,
    NESTED
  }

  /** Hashes the non-null value at ordinal {@code i} of a row or array, continuing from seed. */
  private interface ValueHash {
    long hash(SpecializedGetters g, int i, long seed);
  }

  // The hashing of the common number types, known by identity to pick array loops for them.
  private static final ValueHash LONG = RowHasher::longAt;
  private static final ValueHash INT = RowHasher::intAt;
  private static final ValueHash DOUBLE = RowHasher::doubleAt;
  private static final ValueHash FLOAT = RowHasher::floatAt;

  /** The name-ordered fields of a row or struct, each with its name hash and value hash. */
  private static final class Fields {
    private final int[] ordinals;
    private final long[] nameHash;
    private final ValueHash[] values;

    Fields(int[] ordinals, long[] nameHash, ValueHash[] values) {
      this.ordinals = ordinals;
      this.nameHash = nameHash;
      this.values = values;
    }

    long chain(InternalRow row, long h) {
      for (int k = 0; k < ordinals.length; k++) {
        long seed = h ^ nameHash[k];
        int o = ordinals[k];
        h = row.isNullAt(o) ? XXH64.hashLong(NULL_MARK, seed) : values[k].hash(row, o, seed);
      }
      return h;
    }
  }

  /**
   * The hashing of fields {@code names} at {@code ordinals}; {@code column} and {@code columnType}
   * are the top-level column they belong to, for error messages, or null when they are the columns
   * themselves.
   */
  private static Fields fields(
      String[] names,
      int[] ordinals,
      DataType[] types,
      long chain,
      Mode mode,
      String column,
      DataType columnType) {
    long[] nameHash = new long[names.length];
    ValueHash[] values = new ValueHash[names.length];
    for (int k = 0; k < names.length; k++) {
      byte[] name = names[k].getBytes(StandardCharsets.UTF_8);
      nameHash[k] = XXH64.hashUnsafeBytes(name, Platform.BYTE_ARRAY_OFFSET, name.length, chain);
      values[k] =
          column != null
              ? of(types[k], chain, mode, column, columnType)
              : of(types[k], chain, mode, names[k], types[k]);
    }
    return new Fields(ordinals.clone(), nameHash, values);
  }

  /**
   * The hashing of values of type {@code t}; {@code column} and {@code whole} name the top-level
   * column and its type for the error message when a type cannot be hashed by value.
   */
  private static ValueHash of(DataType t, long chain, Mode mode, String column, DataType whole) {
    if (t instanceof UserDefinedType<?> u) {
      return of(u.sqlType(), chain, mode, column, whole);
    }
    boolean legacyElement = mode == Mode.COLUMN_ARRAY_ELEMENT;
    boolean legacyText = mode != Mode.NESTED;
    if (t instanceof LongType || t instanceof TimestampType || t instanceof TimestampNTZType) {
      return legacyElement && !(t instanceof LongType) ? RowHasher::longAsText : LONG;
    } else if (t instanceof DayTimeIntervalType || t instanceof TimeType) {
      return legacyText ? RowHasher::longAsText : LONG;
    } else if (t instanceof IntegerType || t instanceof DateType) {
      return INT;
    } else if (t instanceof YearMonthIntervalType) {
      return legacyText ? RowHasher::intAsText : INT;
    } else if (t instanceof ShortType) {
      return RowHasher::shortAt;
    } else if (t instanceof ByteType) {
      return RowHasher::byteAt;
    } else if (t instanceof DoubleType) {
      return DOUBLE;
    } else if (t instanceof FloatType) {
      return FLOAT;
    } else if (t instanceof BooleanType) {
      return legacyElement ? RowHasher::booleanAsText : RowHasher::booleanAt;
    } else if (t instanceof StringType || t instanceof CharType || t instanceof VarcharType) {
      return RowHasher::stringAt;
    } else if (t instanceof BinaryType) {
      return RowHasher::binaryAt;
    } else if (t instanceof DecimalType d) {
      int precision = d.precision();
      int scale = d.scale();
      return (g, i, seed) -> decimalAt(g.getDecimal(i, precision, scale), seed);
    } else if (t instanceof CalendarIntervalType) {
      return RowHasher::intervalAt;
    } else if (t instanceof NullType) {
      return (g, i, seed) -> XXH64.hashLong(NULL_MARK, seed); // never reached: always null
    } else if (t instanceof ArrayType a) {
      Mode inner = mode == Mode.COLUMN ? Mode.COLUMN_ARRAY_ELEMENT : Mode.NESTED;
      return array(of(a.elementType(), chain, inner, column, whole));
    } else if (t instanceof MapType m) {
      return new MapHash(
          of(m.keyType(), chain, Mode.NESTED, column, whole),
          of(m.valueType(), chain, Mode.NESTED, column, whole));
    } else if (t instanceof StructType s) {
      StructField[] fs = s.fields();
      List<Integer> order = sortedByName(fs);
      String[] names = new String[fs.length];
      int[] ords = new int[fs.length];
      DataType[] types = new DataType[fs.length];
      for (int k = 0; k < fs.length; k++) {
        ords[k] = order.get(k);
        names[k] = fs[ords[k]].name();
        types[k] = fs[ords[k]].dataType();
      }
      return new StructHash(
          fs.length, fields(names, ords, types, chain, Mode.NESTED, column, whole));
    }
    throw new IllegalArgumentException(
        "Column '"
            + column
            + "' has type "
            + whole.simpleString()
            + (whole == t ? "" : ", which holds " + t.simpleString())
            + ", and shardscore cannot hash "
            + t.simpleString()
            + " values by value to fingerprint rows (incremental runs and the check that tasks"
            + " scored the planned rows need it). Leave '"
            + column
            + "' out of scoring.passthrough (list the columns to carry there), or convert it"
            + " before scoring, for example to a JSON string with to_json.");
  }

  /** An array hasher, with loops of their own for arrays of the common number types. */
  private static ValueHash array(ValueHash element) {
    if (element == DOUBLE) {
      return RowHasher::doubleArrayAt;
    } else if (element == FLOAT) {
      return RowHasher::floatArrayAt;
    } else if (element == LONG) {
      return RowHasher::longArrayAt;
    } else if (element == INT) {
      return RowHasher::intArrayAt;
    }
    return new ArrayHash(element);
  }

  private static long longAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(g.getLong(i), seed);
  }

  private static long intAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(g.getInt(i), seed);
  }

  private static long shortAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(g.getShort(i), seed);
  }

  private static long byteAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(g.getByte(i), seed);
  }

  private static long doubleAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(canonical(g.getDouble(i)), seed);
  }

  private static long floatAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(canonical(g.getFloat(i)), seed);
  }

  private static long booleanAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(g.getBoolean(i) ? 1 : 0, seed);
  }

  private static long stringAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashUTF8String(g.getUTF8String(i), seed);
  }

  private static long binaryAt(SpecializedGetters g, int i, long seed) {
    if (g instanceof UnsafeRow || g instanceof UnsafeArrayData) {
      // A view of the same bytes that getBinary would copy.
      return XXH64.hashUTF8String(g.getUTF8String(i), seed);
    }
    byte[] b = g.getBinary(i);
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, seed);
  }

  private static long intervalAt(SpecializedGetters g, int i, long seed) {
    CalendarInterval v = g.getInterval(i);
    return XXH64.hashLong(v.microseconds, XXH64.hashLong(v.days, XXH64.hashLong(v.months, seed)));
  }

  /** The earlier encoding of these values: the hash of their decimal digits as text. */
  private static long longAsText(SpecializedGetters g, int i, long seed) {
    return digits(g.getLong(i), 0, seed);
  }

  private static long intAsText(SpecializedGetters g, int i, long seed) {
    return digits(g.getInt(i), 0, seed);
  }

  private static long booleanAsText(SpecializedGetters g, int i, long seed) {
    byte[] b = g.getBoolean(i) ? TRUE : FALSE;
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, seed);
  }

  private static long doubleArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    for (int e = 0; e < n; e++) {
      h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : canonical(a.getDouble(e)), h);
    }
    return h;
  }

  private static long floatArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    for (int e = 0; e < n; e++) {
      h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : canonical(a.getFloat(e)), h);
    }
    return h;
  }

  private static long longArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    for (int e = 0; e < n; e++) {
      h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : a.getLong(e), h);
    }
    return h;
  }

  private static long intArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    for (int e = 0; e < n; e++) {
      h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : a.getInt(e), h);
    }
    return h;
  }

  /** Any other array: the length, then every element (or the null mark) in order. */
  private static final class ArrayHash implements ValueHash {
    private final ValueHash element;

    ArrayHash(ValueHash element) {
      this.element = element;
    }

    @Override
    public long hash(SpecializedGetters g, int i, long seed) {
      ArrayData a = g.getArray(i);
      int n = a.numElements();
      long h = XXH64.hashLong(n, seed);
      for (int e = 0; e < n; e++) {
        h = a.isNullAt(e) ? XXH64.hashLong(NULL_MARK, h) : element.hash(a, e, h);
      }
      return h;
    }
  }

  /** A struct: a mark, then its fields by name, like the columns of a row. */
  private static final class StructHash implements ValueHash {
    private final int width;
    private final Fields fields;

    StructHash(int width, Fields fields) {
      this.width = width;
      this.fields = fields;
    }

    @Override
    public long hash(SpecializedGetters g, int i, long seed) {
      return fields.chain(g.getStruct(i, width), XXH64.hashLong(STRUCT_MARK, seed));
    }
  }

  /**
   * A map, whatever the order of its entries: each entry hashes its key and then its value from the
   * same seed, the entry hashes are summed (mod 2^64), and the sum is mixed with the count.
   */
  private static final class MapHash implements ValueHash {
    private final ValueHash key;
    private final ValueHash value;

    MapHash(ValueHash key, ValueHash value) {
      this.key = key;
      this.value = value;
    }

    @Override
    public long hash(SpecializedGetters g, int i, long seed) {
      MapData m = g.getMap(i);
      ArrayData keys = m.keyArray();
      ArrayData values = m.valueArray();
      int n = m.numElements();
      long sum = 0;
      for (int e = 0; e < n; e++) {
        long k = keys.isNullAt(e) ? XXH64.hashLong(NULL_MARK, seed) : key.hash(keys, e, seed);
        sum += values.isNullAt(e) ? XXH64.hashLong(NULL_MARK, k) : value.hash(values, e, k);
      }
      return XXH64.hashLong(sum, XXH64.hashLong(n, seed ^ MAP_MARK));
    }
  }

  private static long canonical(double v) {
    if (v == 0.0) {
      return 0L; // -0.0 and 0.0
    }
    return Double.doubleToLongBits(v); // collapses every NaN to one
  }

  /**
   * A decimal by value: the hash of the plain text of its value without trailing zeros ({@code
   * 1.50} and {@code 1.5} are equal), built without BigDecimal when it fits a long.
   */
  private static long decimalAt(Decimal d, long seed) {
    if (d.precision() > Decimal.MAX_LONG_DIGITS()) {
      BigDecimal v = d.toJavaBigDecimal();
      String s = v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
      return XXH64.hashUTF8String(UTF8String.fromString(s), seed);
    }
    long unscaled = d.toUnscaledLong();
    if (unscaled == 0) {
      return XXH64.hashUnsafeBytes(ZERO, Platform.BYTE_ARRAY_OFFSET, 1, seed);
    }
    int scale = d.scale();
    while (unscaled % 10 == 0) {
      unscaled /= 10;
      scale--;
    }
    return digits(unscaled, scale, seed);
  }

  /**
   * The hash of the text {@code new BigDecimal(unscaled, scale).toPlainString()} would give ({@code
   * Long.toString(unscaled)} for scale 0), written without building a String.
   */
  private static long digits(long unscaled, int scale, long seed) {
    if (unscaled == Long.MIN_VALUE) {
      String s = BigDecimal.valueOf(unscaled, scale).toPlainString();
      return XXH64.hashUTF8String(UTF8String.fromString(s), seed);
    }
    boolean negative = unscaled < 0;
    long m = negative ? -unscaled : unscaled;
    int digits = 1;
    for (long r = m / 10; r != 0; r /= 10) {
      digits++;
    }
    int len = scale <= 0 ? digits - scale : digits > scale ? digits + 1 : scale + 2;
    if (negative) {
      len++;
    }
    byte[] b = new byte[len];
    int p = len;
    if (scale <= 0) {
      for (int z = 0; z < -scale; z++) {
        b[--p] = '0';
      }
    } else {
      for (int f = 0; f < scale; f++) {
        b[--p] = (byte) ('0' + m % 10);
        m /= 10;
      }
      b[--p] = '.';
    }
    do {
      b[--p] = (byte) ('0' + m % 10);
      m /= 10;
    } while (m != 0);
    if (negative) {
      b[--p] = '-';
    }
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, len, seed);
  }
}

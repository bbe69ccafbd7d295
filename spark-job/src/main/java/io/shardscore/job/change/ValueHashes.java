package io.shardscore.job.change;

import io.shardscore.job.row.SqlKind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.CalendarInterval;

/**
 * The hashing of values of each Spark SQL type, chosen once from the type's {@link SqlKind} when a
 * {@link RowHasher} is built: numbers by value ({@link CanonicalText}), arrays element by element,
 * structs field by field in name order, maps whatever the order of their entries.
 */
final class ValueHashes {
  static final long NULL_MARK = 0x9E37_79B9_7F4A_7C15L;

  /** Mixed into the seed of an array hashed in bulk, apart from one hashed element by element. */
  private static final long BULK_MARK = 0x27D4_EB2F_1656_67C5L;

  private static final long STRUCT_MARK = 0xC2B2_AE3D_27D4_EB4FL;
  private static final long MAP_MARK = 0x1656_67B1_9E37_79F9L;
  private static final byte[] TRUE = "true".getBytes(StandardCharsets.UTF_8);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.UTF_8);

  private ValueHashes() {}

  /**
   * Where a value sits. Columns and the elements of array columns keep the hash values of the
   * encoding shardscore used before nested types were supported; everything nested deeper (or in a
   * struct or map) uses the canonical encoding.
   */
  enum Mode {
    COLUMN,
    COLUMN_ARRAY_ELEMENT,
    NESTED
  }

  /**
   * The hashing of values of type {@code t}; {@code column} and {@code whole} name the top-level
   * column and its type for the error message when a type cannot be hashed by value.
   */
  static ValueHash of(DataType t, long chain, Mode mode, String column, DataType whole) {
    boolean legacyElement = mode == Mode.COLUMN_ARRAY_ELEMENT;
    boolean legacyText = mode != Mode.NESTED;
    SqlKind kind = SqlKind.of(t);
    return switch (kind) {
      case USER_DEFINED -> of(((UserDefinedType<?>) t).sqlType(), chain, mode, column, whole);
      case BYTE, SHORT, INT, LONG, DATE -> new Integral(kind.longs());
      case TIMESTAMP, TIMESTAMP_NTZ ->
          legacyElement ? new IntegralAsText(kind.longs()) : new Integral(kind.longs());
      case TIME, DAY_TIME_INTERVAL, YEAR_MONTH_INTERVAL ->
          legacyText ? new IntegralAsText(kind.longs()) : new Integral(kind.longs());
      case FLOAT, DOUBLE -> new Floating(kind.doubles());
      case BOOLEAN -> legacyElement ? ValueHashes::booleanAsText : ValueHashes::booleanAt;
      case STRING -> (g, i, seed) -> XXH64.hashUTF8String(g.getUTF8String(i), seed);
      case BINARY -> ValueHashes::binaryAt;
      case DECIMAL -> {
        SqlKind.DecimalGetter decimal = SqlKind.decimals((DecimalType) t);
        yield (g, i, seed) -> CanonicalText.decimal(decimal.get(g, i), seed);
      }
      case CALENDAR_INTERVAL -> ValueHashes::intervalAt;
      case NULL -> (g, i, seed) -> XXH64.hashLong(NULL_MARK, seed); // never reached: always null
      case ARRAY -> {
        Mode inner = mode == Mode.COLUMN ? Mode.COLUMN_ARRAY_ELEMENT : Mode.NESTED;
        yield array(of(((ArrayType) t).elementType(), chain, inner, column, whole));
      }
      case MAP -> {
        MapType m = (MapType) t;
        yield new MapHash(
            of(m.keyType(), chain, Mode.NESTED, column, whole),
            of(m.valueType(), chain, Mode.NESTED, column, whole));
      }
      case STRUCT -> struct((StructType) t, chain, column, whole);
      case OTHER -> throw unsupported(t, column, whole);
    };
  }

  private static ValueHash struct(StructType s, long chain, String column, DataType whole) {
    StructField[] fs = s.fields();
    List<Integer> order = RowHasher.sortedByName(fs);
    String[] names = new String[fs.length];
    int[] ords = new int[fs.length];
    DataType[] types = new DataType[fs.length];
    for (int k = 0; k < fs.length; k++) {
      ords[k] = order.get(k);
      names[k] = fs[ords[k]].name();
      types[k] = fs[ords[k]].dataType();
    }
    return new StructHash(
        fs.length, FieldHashes.of(names, ords, types, chain, Mode.NESTED, column, whole));
  }

  private static IllegalArgumentException unsupported(DataType t, String column, DataType whole) {
    return new IllegalArgumentException(
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

  /**
   * An array hasher: arrays of longs, ints, doubles and floats are hashed in bulk when they hold no
   * null (see {@link #floatArrayAt}); other arrays element by element ({@link ArrayHash}).
   */
  private static ValueHash array(ValueHash element) {
    if (element instanceof Floating f) {
      return f.get == SqlKind.DOUBLE.doubles()
          ? ValueHashes::doubleArrayAt
          : ValueHashes::floatArrayAt;
    } else if (element instanceof Integral n && n.get == SqlKind.LONG.longs()) {
      return ValueHashes::longArrayAt;
    } else if (element instanceof Integral n && n.get == SqlKind.INT.longs()) {
      return ValueHashes::intArrayAt;
    }
    return new ArrayHash(element);
  }

  /** An integral value (or a date, timestamp, time, interval), widened to long. */
  private record Integral(SqlKind.LongGetter get) implements ValueHash {
    @Override
    public long hash(SpecializedGetters g, int i, long seed) {
      return XXH64.hashLong(get.get(g, i), seed);
    }
  }

  /** The earlier encoding of these values: the hash of their decimal digits as text. */
  private record IntegralAsText(SqlKind.LongGetter get) implements ValueHash {
    @Override
    public long hash(SpecializedGetters g, int i, long seed) {
      return CanonicalText.digits(get.get(g, i), 0, seed);
    }
  }

  /** A float or double, widened to double, with one zero and one NaN. */
  private record Floating(SqlKind.DoubleGetter get) implements ValueHash {
    @Override
    public long hash(SpecializedGetters g, int i, long seed) {
      return XXH64.hashLong(CanonicalText.canonical(get.get(g, i)), seed);
    }
  }

  private static long booleanAt(SpecializedGetters g, int i, long seed) {
    return XXH64.hashLong(g.getBoolean(i) ? 1 : 0, seed);
  }

  private static long booleanAsText(SpecializedGetters g, int i, long seed) {
    byte[] b = g.getBoolean(i) ? TRUE : FALSE;
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, seed);
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

  // Arrays of fixed-width numbers (fingerprint scheme 2). Without null elements, an array hashes
  // its length and then the canonical bytes of all its elements in one XXH64 pass (4-byte floats
  // and ints, 8-byte doubles and longs, little-endian; one zero and one NaN): from the array's own
  // memory when it is an UnsafeArrayData holding only canonical values, else from a copy, so that
  // every layout of the same content hashes the same. With null elements, element by element with
  // the null mark (scheme 1's encoding). Null bits are checked once per array, not per element.

  private static long floatArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    if (a instanceof UnsafeArrayData u && !hasNullBits(u, n)) {
      Object base = u.getBaseObject();
      long values = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      if (canonicalFloats(base, values, n)) {
        return XXH64.hashUnsafeBytes(base, values, 4 * n, h ^ BULK_MARK);
      }
    } else if (hasNullElement(a, n)) {
      for (int e = 0; e < n; e++) {
        h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : CanonicalText.canonical(a.getFloat(e)), h);
      }
      return h;
    }
    byte[] b = new byte[4 * n];
    for (int e = 0; e < n; e++) {
      Platform.putInt(b, Platform.BYTE_ARRAY_OFFSET + 4L * e, canonicalBits(a.getFloat(e)));
    }
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, h ^ BULK_MARK);
  }

  private static long doubleArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    if (a instanceof UnsafeArrayData u && !hasNullBits(u, n)) {
      Object base = u.getBaseObject();
      long values = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      if (canonicalDoubles(base, values, n)) {
        return XXH64.hashUnsafeBytes(base, values, 8 * n, h ^ BULK_MARK);
      }
    } else if (hasNullElement(a, n)) {
      for (int e = 0; e < n; e++) {
        h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : CanonicalText.canonical(a.getDouble(e)), h);
      }
      return h;
    }
    byte[] b = new byte[8 * n];
    for (int e = 0; e < n; e++) {
      Platform.putLong(b, Platform.BYTE_ARRAY_OFFSET + 8L * e, canonicalBits(a.getDouble(e)));
    }
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, h ^ BULK_MARK);
  }

  private static long longArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    if (a instanceof UnsafeArrayData u && !hasNullBits(u, n)) {
      long values = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      return XXH64.hashUnsafeBytes(u.getBaseObject(), values, 8 * n, h ^ BULK_MARK);
    } else if (hasNullElement(a, n)) {
      for (int e = 0; e < n; e++) {
        h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : a.getLong(e), h);
      }
      return h;
    }
    byte[] b = new byte[8 * n];
    for (int e = 0; e < n; e++) {
      Platform.putLong(b, Platform.BYTE_ARRAY_OFFSET + 8L * e, a.getLong(e));
    }
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, h ^ BULK_MARK);
  }

  private static long intArrayAt(SpecializedGetters g, int i, long seed) {
    ArrayData a = g.getArray(i);
    int n = a.numElements();
    long h = XXH64.hashLong(n, seed);
    if (a instanceof UnsafeArrayData u && !hasNullBits(u, n)) {
      long values = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      return XXH64.hashUnsafeBytes(u.getBaseObject(), values, 4 * n, h ^ BULK_MARK);
    } else if (hasNullElement(a, n)) {
      for (int e = 0; e < n; e++) {
        h = XXH64.hashLong(a.isNullAt(e) ? NULL_MARK : a.getInt(e), h);
      }
      return h;
    }
    byte[] b = new byte[4 * n];
    for (int e = 0; e < n; e++) {
      Platform.putInt(b, Platform.BYTE_ARRAY_OFFSET + 4L * e, a.getInt(e));
    }
    return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, h ^ BULK_MARK);
  }

  /**
   * True when any null bit of an UnsafeArrayData of {@code n} elements is set: a word at a time.
   */
  private static boolean hasNullBits(UnsafeArrayData u, int n) {
    Object base = u.getBaseObject();
    long bits = u.getBaseOffset() + 8;
    long end = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
    long any = 0;
    for (long w = bits; w < end; w += 8) {
      any |= Platform.getLong(base, w);
    }
    return any != 0;
  }

  private static boolean hasNullElement(ArrayData a, int n) {
    for (int e = 0; e < n; e++) {
      if (a.isNullAt(e)) {
        return true;
      }
    }
    return false;
  }

  /** True when no float in memory is {@code -0.0} or a NaN (which hash as 0.0 and one NaN). */
  private static boolean canonicalFloats(Object base, long at, int n) {
    for (int e = 0; e < n; e++) {
      int b = Platform.getInt(base, at + 4L * e);
      if (b == Integer.MIN_VALUE || (b & 0x7FFF_FFFF) > 0x7F80_0000) {
        return false;
      }
    }
    return true;
  }

  /** True when no double in memory is {@code -0.0} or a NaN (which hash as 0.0 and one NaN). */
  private static boolean canonicalDoubles(Object base, long at, int n) {
    for (int e = 0; e < n; e++) {
      long b = Platform.getLong(base, at + 8L * e);
      if (b == Long.MIN_VALUE || (b & 0x7FFF_FFFF_FFFF_FFFFL) > 0x7FF0_0000_0000_0000L) {
        return false;
      }
    }
    return true;
  }

  private static int canonicalBits(float v) {
    return v == 0f ? 0 : Float.floatToIntBits(v); // one zero; floatToIntBits has one NaN
  }

  private static long canonicalBits(double v) {
    return v == 0d ? 0L : Double.doubleToLongBits(v);
  }

  /** Any other array: the length, then every element (or the null mark) in order. */
  private record ArrayHash(ValueHash element) implements ValueHash {
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
  private record StructHash(int width, FieldHashes fields) implements ValueHash {
    @Override
    public long hash(SpecializedGetters g, int i, long seed) {
      return fields.chain(g.getStruct(i, width), XXH64.hashLong(STRUCT_MARK, seed));
    }
  }

  /**
   * A map, whatever the order of its entries: each entry hashes its key and then its value from the
   * same seed, the entry hashes are summed (mod 2^64), and the sum is mixed with the count.
   */
  private record MapHash(ValueHash key, ValueHash value) implements ValueHash {
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
}

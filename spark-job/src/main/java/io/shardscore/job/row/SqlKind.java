package io.shardscore.job.row;

import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.CalendarIntervalType;
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
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimeType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.sql.types.YearMonthIntervalType;

/**
 * What kind of value a Spark SQL type holds, and how to read it from a row or an array (both are
 * {@link SpecializedGetters}): the one switch over Spark's types for code that reads Spark's
 * internal rows directly. Callers classify each column once, when they bind to a schema ({@link
 * #of}), and keep the getter the kind gives them ({@link #longs}, {@link #doubles}, {@link
 * #decimals}), so rows are read without looking at types again.
 *
 * <p>Every integral type and every type Spark stores as an int or a long (dates, timestamps, times,
 * ANSI intervals) reads as a long, widened; float and double read as a double.
 */
public enum SqlKind {
  BYTE(Getters.BYTE, null),
  SHORT(Getters.SHORT, null),
  INT(Getters.INT, null),
  LONG(Getters.LONG, null),
  /** Days since the epoch, stored as an int. */
  DATE(Getters.INT, null),
  /** Microseconds since the epoch, stored as a long. */
  TIMESTAMP(Getters.LONG, null),
  /** Microseconds since the epoch, without a time zone, stored as a long. */
  TIMESTAMP_NTZ(Getters.LONG, null),
  /** Nanoseconds since midnight, stored as a long. */
  TIME(Getters.LONG, null),
  /** Microseconds, stored as a long. */
  DAY_TIME_INTERVAL(Getters.LONG, null),
  /** Months, stored as an int. */
  YEAR_MONTH_INTERVAL(Getters.INT, null),
  FLOAT(null, Getters.FLOAT),
  DOUBLE(null, Getters.DOUBLE),
  DECIMAL,
  BOOLEAN,
  /** Strings of every collation, char and varchar ({@code getUTF8String}). */
  STRING,
  BINARY,
  CALENDAR_INTERVAL,
  /** The type of a column that is always null. */
  NULL,
  ARRAY,
  MAP,
  STRUCT,
  /** A user-defined type: read as its {@code sqlType()}. */
  USER_DEFINED,
  /** Types without a reading here: variant, geometry, geography, object, and any newer ones. */
  OTHER;

  /** Reads the value at ordinal {@code i} of a row or array as a long (it must not be null). */
  @FunctionalInterface
  public interface LongGetter {
    long get(SpecializedGetters g, int i);
  }

  /** Reads the value at ordinal {@code i} of a row or array as a double (it must not be null). */
  @FunctionalInterface
  public interface DoubleGetter {
    double get(SpecializedGetters g, int i);
  }

  /** Reads the decimal at ordinal {@code i} of a row or array (it must not be null). */
  @FunctionalInterface
  public interface DecimalGetter {
    Decimal get(SpecializedGetters g, int i);
  }

  /**
   * The getters, one instance per Spark getter: kinds stored alike share it, so a caller can tell
   * by identity which getter a kind reads with (e.g. to pick a loop of its own for long arrays).
   */
  private static final class Getters {
    static final LongGetter BYTE = (g, i) -> g.getByte(i);
    static final LongGetter SHORT = (g, i) -> g.getShort(i);
    static final LongGetter INT = (g, i) -> g.getInt(i);
    static final LongGetter LONG = (g, i) -> g.getLong(i);
    static final DoubleGetter FLOAT = (g, i) -> g.getFloat(i);
    static final DoubleGetter DOUBLE = (g, i) -> g.getDouble(i);
  }

  private final LongGetter longs;
  private final DoubleGetter doubles;

  SqlKind() {
    this(null, null);
  }

  SqlKind(LongGetter longs, DoubleGetter doubles) {
    this.longs = longs;
    this.doubles = doubles;
  }

  /** The kind of {@code type}; a user-defined type is {@link #USER_DEFINED}, not its SQL type. */
  public static SqlKind of(DataType type) {
    if (type instanceof ByteType) {
      return BYTE;
    } else if (type instanceof ShortType) {
      return SHORT;
    } else if (type instanceof IntegerType) {
      return INT;
    } else if (type instanceof LongType) {
      return LONG;
    } else if (type instanceof DateType) {
      return DATE;
    } else if (type instanceof TimestampType) {
      return TIMESTAMP;
    } else if (type instanceof TimestampNTZType) {
      return TIMESTAMP_NTZ;
    } else if (type instanceof TimeType) {
      return TIME;
    } else if (type instanceof DayTimeIntervalType) {
      return DAY_TIME_INTERVAL;
    } else if (type instanceof YearMonthIntervalType) {
      return YEAR_MONTH_INTERVAL;
    } else if (type instanceof FloatType) {
      return FLOAT;
    } else if (type instanceof DoubleType) {
      return DOUBLE;
    } else if (type instanceof DecimalType) {
      return DECIMAL;
    } else if (type instanceof BooleanType) {
      return BOOLEAN;
    } else if (type instanceof StringType) { // char and varchar are string types too
      return STRING;
    } else if (type instanceof BinaryType) {
      return BINARY;
    } else if (type instanceof CalendarIntervalType) {
      return CALENDAR_INTERVAL;
    } else if (type instanceof NullType) {
      return NULL;
    } else if (type instanceof ArrayType) {
      return ARRAY;
    } else if (type instanceof MapType) {
      return MAP;
    } else if (type instanceof StructType) {
      return STRUCT;
    } else if (type instanceof UserDefinedType<?>) {
      return USER_DEFINED;
    }
    return OTHER;
  }

  /** True for the kinds that read as a long ({@link #longs}). */
  public boolean integral() {
    return longs != null;
  }

  /** True for float and double ({@link #doubles}). */
  public boolean floating() {
    return doubles != null;
  }

  /**
   * The getter of an integral kind, widening the value to a long.
   *
   * @throws IllegalStateException when this kind does not read as a long
   */
  public LongGetter longs() {
    if (longs == null) {
      throw new IllegalStateException(this + " values do not read as a long");
    }
    return longs;
  }

  /**
   * The getter of float and double, widening a float to a double.
   *
   * @throws IllegalStateException when this kind is neither
   */
  public DoubleGetter doubles() {
    if (doubles == null) {
      throw new IllegalStateException(this + " values do not read as a double");
    }
    return doubles;
  }

  /** The getter of decimals of {@code type} (its precision and scale say how they are stored). */
  public static DecimalGetter decimals(DecimalType type) {
    int precision = type.precision();
    int scale = type.scale();
    return (g, i) -> g.getDecimal(i, precision, scale);
  }
}

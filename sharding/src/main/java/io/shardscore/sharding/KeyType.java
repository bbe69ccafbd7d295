package io.shardscore.sharding;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The type of a shard key and how its values map onto the long machinery of plans. Every type but
 * text is <em>long-coded</em>: a value maps exactly and in order onto one long, its code, and
 * ranges, hash buckets and quantiles work on codes:
 *
 * <ul>
 *   <li>integral: the value itself;
 *   <li>date: days since 1970-01-01;
 *   <li>timestamp: microseconds since 1970-01-01T00:00:00Z (Spark's own precision);
 *   <li>decimal(p,s), p at most 18: the unscaled value at the column's scale ({@code 12.34} in a
 *       {@code decimal(10,2)} column is {@code 1234}).
 * </ul>
 *
 * Text keys are compared as Spark compares strings by default: by their UTF-8 bytes (binary order,
 * case-sensitive: {@code "Z" < "a"}).
 *
 * @param kind the family of the type
 * @param sql the Spark type as Spark names it, e.g. {@code bigint}, {@code decimal(10,2)}
 * @param scale digits after the point of a decimal key; 0 otherwise
 */
public record KeyType(Kind kind, String sql, int scale) implements Serializable {

  /** The family of a key type. */
  public enum Kind {
    INTEGRAL,
    DATE,
    TIMESTAMP,
    DECIMAL,
    TEXT
  }

  /** The type of plans written before key types existed: a 64-bit integral key. */
  public static final KeyType INTEGRAL = new KeyType(Kind.INTEGRAL, "bigint", 0);

  public static final KeyType DATE = new KeyType(Kind.DATE, "date", 0);
  public static final KeyType TIMESTAMP = new KeyType(Kind.TIMESTAMP, "timestamp", 0);
  public static final KeyType TEXT = new KeyType(Kind.TEXT, "string", 0);

  /** Longest decimal whose unscaled values all fit a long. */
  public static final int MAX_DECIMAL_PRECISION = 18;

  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** An integral key of the named Spark type (tinyint, smallint, int, bigint). */
  public static KeyType integral(String sql) {
    return new KeyType(Kind.INTEGRAL, sql, 0);
  }

  /** A {@code decimal(precision, scale)} key; precision at most 18. */
  public static KeyType decimal(int precision, int scale) {
    if (precision > MAX_DECIMAL_PRECISION) {
      throw new IllegalArgumentException("decimal precision above 18 is not long-coded");
    }
    return new KeyType(Kind.DECIMAL, "decimal(" + precision + "," + scale + ")", scale);
  }

  /** True for every type whose values map exactly onto longs (all but text). */
  public boolean longCoded() {
    return kind != Kind.TEXT;
  }

  /** True when quantile ranges can be computed for the type. */
  public boolean supportsQuantiles() {
    return longCoded();
  }

  /** How a range of this type is written, for messages. */
  public String rangeForm() {
    return switch (kind) {
      case INTEGRAL -> "first-last, e.g. 0-999 or 1000000-MAX";
      case DATE -> "first..last with ISO dates, e.g. 2026-01-01..2026-03-31 or MIN..2025-12-31";
      case TIMESTAMP ->
          "first..last with ISO instants, e.g. 2026-01-01T00:00:00Z..2026-01-31T23:59:59Z (a bare"
              + " date is midnight UTC)";
      case DECIMAL ->
          "first..last with at most "
              + scale
              + " decimals, e.g. "
              + BigDecimal.ZERO.setScale(scale).toPlainString()
              + ".."
              + BigDecimal.valueOf(9999, scale).toPlainString();
      case TEXT -> "first..last with quoted strings, e.g. \"A\"..\"M\" or \"N\"..MAX";
    };
  }

  /** How one value of this type is written, for messages. */
  public String valueForm() {
    return switch (kind) {
      case INTEGRAL -> "a whole number, e.g. 42";
      case DATE -> "an ISO date, e.g. 2026-01-31";
      case TIMESTAMP -> "an ISO instant, e.g. 2026-01-31T12:00:00Z";
      case DECIMAL ->
          "a number with at most " + scale + " decimals, e.g. " + BigDecimal.valueOf(1234, scale);
      case TEXT -> "any text";
    };
  }

  /**
   * The code of one value written as text; {@code MIN} and {@code MAX} stand for the smallest and
   * largest codes. Throws a {@link ShardingException} naming {@code what} (e.g. the range), the key
   * column, this type and the expected form when the value does not parse.
   */
  public long parse(String text, String keyColumn, String what) {
    String b = text.trim();
    if (b.equalsIgnoreCase("MIN")) {
      return Long.MIN_VALUE;
    }
    if (b.equalsIgnoreCase("MAX")) {
      return Long.MAX_VALUE;
    }
    try {
      return switch (kind) {
        case INTEGRAL -> Long.parseLong(b);
        case DATE -> LocalDate.parse(b).toEpochDay();
        case TIMESTAMP -> micros(b);
        case DECIMAL -> unscaled(b);
        case TEXT -> throw new IllegalStateException("text keys are not long-coded");
      };
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      throw new ShardingException(
          what
              + " has '"
              + text.trim()
              + "', which is not a value of the key '"
              + keyColumn
              + "' (Spark type "
              + sql
              + "). Write "
              + valueForm()
              + "; ranges are written "
              + rangeForm()
              + ".");
    }
  }

  /** A code written back as the value it stands for; MIN and MAX for the extreme codes. */
  public String format(long code) {
    if (code == Long.MIN_VALUE) {
      return "MIN";
    }
    if (code == Long.MAX_VALUE) {
      return "MAX";
    }
    return switch (kind) {
      case INTEGRAL -> Long.toString(code);
      case DATE -> LocalDate.ofEpochDay(code).toString();
      case TIMESTAMP -> Instant.EPOCH.plus(code, ChronoUnit.MICROS).toString();
      case DECIMAL -> BigDecimal.valueOf(code, scale).toPlainString();
      case TEXT -> throw new IllegalStateException("text keys are not long-coded");
    };
  }

  /**
   * A code as a path-safe part of a shard name: as {@link #format} but timestamps are written
   * {@code 20260101T000000Z} (with {@code .123456} when they have a fraction), since ':' is not
   * path-safe.
   */
  public String nameOf(long code) {
    if (kind == Kind.TIMESTAMP && code != Long.MIN_VALUE && code != Long.MAX_VALUE) {
      Instant t = Instant.EPOCH.plus(code, ChronoUnit.MICROS);
      long micros = Math.floorMod(code, 1_000_000L);
      return NAME_TIME.format(t)
          + (micros == 0 ? "" : String.format(Locale.ROOT, ".%06d", micros))
          + "Z";
    }
    return format(code);
  }

  private static long micros(String b) {
    Instant t;
    if (b.length() == 10) {
      t = LocalDate.parse(b).atStartOfDay(ZoneOffset.UTC).toInstant();
    } else {
      t = OffsetDateTime.parse(b).toInstant();
    }
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000L);
  }

  private long unscaled(String b) {
    BigDecimal d = new BigDecimal(b);
    if (d.scale() > scale && d.stripTrailingZeros().scale() > scale) {
      throw new ArithmeticException("more decimals than the scale");
    }
    BigInteger u = d.setScale(scale).unscaledValue();
    int precision = Integer.parseInt(sql.substring(8, sql.indexOf(',')));
    if (u.abs().compareTo(BigInteger.TEN.pow(precision)) >= 0) {
      throw new ArithmeticException("beyond the precision");
    }
    return u.longValueExact();
  }
}

package io.shardscore.job.score;

import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.row.SqlKind;
import io.shardscore.model.InputType;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * How one row's feature columns become {@code width} floats of the model's input tensor. Reads
 * Spark's internal rows directly (no boxing) and validates every value: a null, NaN, infinite,
 * non-numeric or wrong-length value makes the row unscorable with a reason instead of failing the
 * task (Spark 4's ANSI mode would otherwise throw on a bad cast). How each column's values are read
 * is chosen once, from their {@link SqlKind}, when the layout is bound to the schema.
 */
public final class FeatureLayout implements RowFeatures {
  private static final long serialVersionUID = 4L;

  private final String[] names;
  private final int[] ordinals;

  /** The type of each feature's values: the column's type, or its element type for arrays. */
  private final DataType[] types;

  /** Values per feature: 1, an array's length, or a sequence's maximum length. */
  private final int[] lengths;

  private final boolean[] arrays;

  /** Sequences: arrays of any length up to theirs, written as length, values, zero padding. */
  private final boolean[] variable;

  /** Features of an integer input (see {@link InputType}): whole numbers up to 2^24 only. */
  private final boolean[] integral;

  /** Floats per value: 3 for a float64 input's features (see {@link InputType#carry}), else 1. */
  private final int[] slots;

  private final int width;

  /** Each feature's reader; null for a string feature, whose values are parsed. */
  private transient NumberAt[] numbers;

  /** Reads the non-null number at ordinal {@code i} of a row or array as a double. */
  @FunctionalInterface
  private interface NumberAt {
    double get(SpecializedGetters g, int i);
  }

  private FeatureLayout(
      String[] names,
      int[] ordinals,
      DataType[] types,
      int[] lengths,
      boolean[] arrays,
      boolean[] variable,
      boolean[] integral,
      int[] slots) {
    this.names = names;
    this.ordinals = ordinals;
    this.types = types;
    this.lengths = lengths;
    this.arrays = arrays;
    this.variable = variable;
    this.integral = integral;
    this.slots = slots;
    int w = 0;
    for (int i = 0; i < lengths.length; i++) {
      w += lengths[i] * slots[i] + (variable[i] ? 1 : 0);
    }
    this.width = w;
    this.numbers = readers(types);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    numbers = readers(types);
  }

  /** Binds feature columns to a row schema; unsupported or mismatched types are config errors. */
  public static FeatureLayout bind(List<FeatureColumn> features, StructType schema) {
    return bind(features, features.stream().map(f -> InputType.FLOAT32).toList(), schema);
  }

  /**
   * The same for features of typed inputs ({@code inputTypes}, one per feature): a feature of an
   * integer input takes whole numbers only.
   */
  public static FeatureLayout bind(
      List<FeatureColumn> features, List<InputType> inputTypes, StructType schema) {
    int n = features.size();
    boolean[] integral = new boolean[n];
    int[] slots = new int[n];
    String[] names = new String[n];
    int[] ordinals = new int[n];
    DataType[] types = new DataType[n];
    int[] lengths = new int[n];
    boolean[] arrays = new boolean[n];
    boolean[] variable = new boolean[n];
    for (int i = 0; i < n; i++) {
      FeatureColumn f = features.get(i);
      arrays[i] = f.array();
      variable[i] = f.variable();
      names[i] = f.column();
      int ordinal = indexOf(schema, f.column());
      ordinals[i] = ordinal;
      DataType t = schema.fields()[ordinal].dataType();
      if (f.array()) {
        if (!(t instanceof ArrayType at)) {
          throw new JobConfigException(
              "model.features lists '"
                  + f
                  + "' as an array, but column '"
                  + f.column()
                  + "' is "
                  + t.simpleString()
                  + ". Write it as '"
                  + f.column()
                  + "' or point it at an array column.");
        }
        types[i] = numeric(at.elementType(), f);
      } else {
        if (t instanceof ArrayType) {
          throw new JobConfigException(
              "model.features lists '"
                  + f.column()
                  + "' as a scalar, but it is "
                  + t.simpleString()
                  + ". Write it with its fixed length, e.g. '"
                  + f.column()
                  + "[8]'.");
        }
        types[i] = numeric(t, f);
      }
      lengths[i] = f.length();
      integral[i] = inputTypes.get(i).integral();
      slots[i] = inputTypes.get(i).slots();
    }
    return new FeatureLayout(names, ordinals, types, lengths, arrays, variable, integral, slots);
  }

  private static int indexOf(StructType schema, String column) {
    String[] fields = schema.fieldNames();
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].equals(column)) {
        return i;
      }
    }
    throw new JobConfigException(
        "model.features names column '"
            + column
            + "', which the input does not have. Input columns: "
            + String.join(", ", fields)
            + ".");
  }

  /** {@code t} when its values can feed a float tensor, else a config error naming the column. */
  private static DataType numeric(DataType t, FeatureColumn f) {
    if (reader(t) != null || t.equals(DataTypes.StringType)) {
      return t;
    }
    throw new JobConfigException(
        "model.features column '"
            + f.column()
            + "' has type "
            + t.simpleString()
            + ", which cannot feed a float tensor. Use numeric columns (int, bigint, float, double,"
            + " decimal), numeric strings, or fixed-length arrays of them.");
  }

  private static NumberAt[] readers(DataType[] types) {
    NumberAt[] out = new NumberAt[types.length];
    for (int i = 0; i < types.length; i++) {
      out[i] = reader(types[i]);
    }
    return out;
  }

  /**
   * The reader of numbers of type {@code t}: tinyint, smallint, int, bigint, float, double and
   * decimal; null for every other type (strings are parsed instead, see {@link #put}).
   */
  private static NumberAt reader(DataType t) {
    SqlKind kind = SqlKind.of(t);
    return switch (kind) {
      case BYTE, SHORT, INT, LONG -> {
        SqlKind.LongGetter get = kind.longs();
        yield (g, i) -> get.get(g, i);
      }
      case FLOAT, DOUBLE -> {
        SqlKind.DoubleGetter get = kind.doubles();
        yield get::get;
      }
      case DECIMAL -> {
        SqlKind.DecimalGetter get = SqlKind.decimals((DecimalType) t);
        yield (g, i) -> get.get(g, i).toDouble();
      }
      default -> null;
    };
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public String fill(InternalRow row, float[] out, int offset) {
    int pos = offset;
    for (int i = 0; i < ordinals.length; i++) {
      int ordinal = ordinals[i];
      if (row.isNullAt(ordinal)) {
        return "feature '" + names[i] + "' is null";
      }
      if (!arrays[i]) {
        String bad = put(row, ordinal, out, pos, i, -1);
        if (bad != null) {
          return bad;
        }
        pos += slots[i];
      } else if (variable[i]) {
        ArrayData array = row.getArray(ordinal);
        int n = array.numElements();
        if (n > lengths[i]) {
          return "feature '"
              + names[i]
              + "' has "
              + n
              + " elements, more than its maximum length "
              + lengths[i];
        }
        out[pos++] = n;
        for (int e = 0; e < n; e++) {
          if (array.isNullAt(e)) {
            return "feature '" + names[i] + "' element " + e + " is null";
          }
          String bad = put(array, e, out, pos + e * slots[i], i, e);
          if (bad != null) {
            return bad;
          }
        }
        // The batch array is reused: padding is written, not assumed.
        java.util.Arrays.fill(out, pos + n * slots[i], pos + lengths[i] * slots[i], 0f);
        pos += lengths[i] * slots[i];
      } else {
        ArrayData array = row.getArray(ordinal);
        if (array.numElements() != lengths[i]) {
          return "feature '"
              + names[i]
              + "' has "
              + array.numElements()
              + " elements, expected "
              + lengths[i];
        }
        for (int e = 0; e < lengths[i]; e++) {
          if (array.isNullAt(e)) {
            return "feature '" + names[i] + "' element " + e + " is null";
          }
          String bad = put(array, e, out, pos, i, e);
          if (bad != null) {
            return bad;
          }
          pos += slots[i];
        }
      }
    }
    return null;
  }

  /**
   * Writes the value at ordinal {@code i} of {@code g} (feature {@code f}, element {@code e} of an
   * array feature or -1 for a scalar) to {@code out[pos]}; returns null, or why it cannot be.
   */
  private String put(SpecializedGetters g, int i, float[] out, int pos, int f, int e) {
    NumberAt number = numbers[f];
    if (number != null) {
      return store(number.get(g, i), out, pos, f, e);
    }
    UTF8String s = g.getUTF8String(i);
    Double parsed = parse(s);
    if (parsed == null) {
      return what(f, e) + " value '" + s + "' is not a number";
    }
    return store(parsed, out, pos, f, e);
  }

  private String store(double v, float[] out, int pos, int f, int e) {
    if (slots[f] == 3) {
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        return what(f, e) + (Double.isNaN(v) ? " is NaN" : " is infinite");
      }
      String bad = InputType.carry(v, out, pos);
      return bad == null ? null : what(f, e) + bad;
    }
    float x = (float) v;
    if (Float.isNaN(x) || Float.isInfinite(x)) {
      return what(f, e)
          + (Double.isNaN(v)
              ? " is NaN"
              : Double.isInfinite(v) ? " is infinite" : " value " + v + " is outside float range");
    }
    String notInteger = integral[f] ? InputType.notAnInteger(v, x) : null;
    if (notInteger != null) {
      return what(f, e) + notInteger;
    }
    out[pos] = x;
    return null;
  }

  /** Names feature {@code f}, or element {@code e} of it when {@code e >= 0}, for a reason. */
  private String what(int f, int e) {
    return e < 0 ? "feature '" + names[f] + "'" : "feature '" + names[f] + "' element " + e;
  }

  private static Double parse(UTF8String s) {
    try {
      return Double.parseDouble(s.toString().trim());
    } catch (NumberFormatException ex) {
      return null;
    }
  }
}

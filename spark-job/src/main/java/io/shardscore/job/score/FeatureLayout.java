package io.shardscore.job.score;

import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.JobConfigException;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
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
 * task (Spark 4's ANSI mode would otherwise throw on a bad cast).
 */
public final class FeatureLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] names;
  private final int[] ordinals;
  private final Kind[] kinds;
  private final int[] lengths;
  private final int width;

  private enum Kind {
    BYTE,
    SHORT,
    INT,
    LONG,
    FLOAT,
    DOUBLE,
    DECIMAL,
    STRING
  }

  private final DataType[] types;
  private final boolean[] arrays;

  private FeatureLayout(
      String[] names,
      int[] ordinals,
      Kind[] kinds,
      DataType[] types,
      int[] lengths,
      boolean[] arrays) {
    this.names = names;
    this.arrays = arrays;
    this.ordinals = ordinals;
    this.kinds = kinds;
    this.types = types;
    this.lengths = lengths;
    int w = 0;
    for (int l : lengths) {
      w += l;
    }
    this.width = w;
  }

  /** Binds feature columns to a row schema; unsupported or mismatched types are config errors. */
  public static FeatureLayout bind(List<FeatureColumn> features, StructType schema) {
    int n = features.size();
    String[] names = new String[n];
    int[] ordinals = new int[n];
    Kind[] kinds = new Kind[n];
    DataType[] types = new DataType[n];
    int[] lengths = new int[n];
    boolean[] arrays = new boolean[n];
    for (int i = 0; i < n; i++) {
      FeatureColumn f = features.get(i);
      arrays[i] = f.array();
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
        kinds[i] = kindOf(at.elementType(), f);
        types[i] = at.elementType();
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
        kinds[i] = kindOf(t, f);
        types[i] = t;
      }
      lengths[i] = f.length();
    }
    return new FeatureLayout(names, ordinals, kinds, types, lengths, arrays);
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

  private static Kind kindOf(DataType t, FeatureColumn f) {
    if (t.equals(DataTypes.ByteType)) {
      return Kind.BYTE;
    } else if (t.equals(DataTypes.ShortType)) {
      return Kind.SHORT;
    } else if (t.equals(DataTypes.IntegerType)) {
      return Kind.INT;
    } else if (t.equals(DataTypes.LongType)) {
      return Kind.LONG;
    } else if (t.equals(DataTypes.FloatType)) {
      return Kind.FLOAT;
    } else if (t.equals(DataTypes.DoubleType)) {
      return Kind.DOUBLE;
    } else if (t instanceof DecimalType) {
      return Kind.DECIMAL;
    } else if (t.equals(DataTypes.StringType)) {
      return Kind.STRING;
    }
    throw new JobConfigException(
        "model.features column '"
            + f.column()
            + "' has type "
            + t.simpleString()
            + ", which cannot feed a float tensor. Use numeric columns (int, bigint, float, double,"
            + " decimal), numeric strings, or fixed-length arrays of them.");
  }

  /** Floats per row. */
  public int width() {
    return width;
  }

  /**
   * Writes one row's features into {@code out} from {@code offset}; returns null if the row is
   * scorable, else the reason it is not. {@code out} may hold partial values after a failure.
   */
  public String fill(InternalRow row, float[] out, int offset) {
    int pos = offset;
    for (int i = 0; i < ordinals.length; i++) {
      int ordinal = ordinals[i];
      if (row.isNullAt(ordinal)) {
        return "feature '" + names[i] + "' is null";
      }
      if (!arrays[i]) {
        String bad = put(kinds[i], types[i], row, ordinal, out, pos, i, -1);
        if (bad != null) {
          return bad;
        }
        pos++;
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
          String bad = putElement(kinds[i], types[i], array, e, out, pos, i);
          if (bad != null) {
            return bad;
          }
          pos++;
        }
      }
    }
    return null;
  }

  private String put(
      Kind kind, DataType type, InternalRow row, int ordinal, float[] out, int pos, int f, int e) {
    double v;
    switch (kind) {
      case BYTE -> v = row.getByte(ordinal);
      case SHORT -> v = row.getShort(ordinal);
      case INT -> v = row.getInt(ordinal);
      case LONG -> v = row.getLong(ordinal);
      case FLOAT -> v = row.getFloat(ordinal);
      case DOUBLE -> v = row.getDouble(ordinal);
      case DECIMAL -> {
        DecimalType dt = (DecimalType) type;
        v = row.getDecimal(ordinal, dt.precision(), dt.scale()).toDouble();
      }
      case STRING -> {
        UTF8String s = row.getUTF8String(ordinal);
        Double parsed = parse(s);
        if (parsed == null) {
          return "feature '" + names[f] + "' value '" + s + "' is not a number";
        }
        v = parsed;
      }
      default -> throw new IllegalStateException(kind.toString());
    }
    return store(v, out, pos, f, e);
  }

  private String putElement(
      Kind kind, DataType type, ArrayData array, int e, float[] out, int pos, int f) {
    double v;
    switch (kind) {
      case BYTE -> v = array.getByte(e);
      case SHORT -> v = array.getShort(e);
      case INT -> v = array.getInt(e);
      case LONG -> v = array.getLong(e);
      case FLOAT -> v = array.getFloat(e);
      case DOUBLE -> v = array.getDouble(e);
      case DECIMAL -> {
        DecimalType dt = (DecimalType) type;
        v = array.getDecimal(e, dt.precision(), dt.scale()).toDouble();
      }
      case STRING -> {
        UTF8String s = array.getUTF8String(e);
        Double parsed = parse(s);
        if (parsed == null) {
          return "feature '" + names[f] + "' element " + e + " value '" + s + "' is not a number";
        }
        v = parsed;
      }
      default -> throw new IllegalStateException(kind.toString());
    }
    return store(v, out, pos, f, e);
  }

  private String store(double v, float[] out, int pos, int f, int e) {
    float x = (float) v;
    if (Float.isNaN(x) || Float.isInfinite(x)) {
      String what =
          e < 0 ? "feature '" + names[f] + "'" : "feature '" + names[f] + "' element " + e;
      return what
          + (Double.isNaN(v)
              ? " is NaN"
              : Double.isInfinite(v) ? " is infinite" : " value " + v + " is outside float range");
    }
    out[pos] = x;
    return null;
  }

  private static Double parse(UTF8String s) {
    try {
      return Double.parseDouble(s.toString().trim());
    } catch (NumberFormatException ex) {
      return null;
    }
  }
}

package io.shardscore.job.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.JobConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/**
 * Feature columns of every numeric type, scalar and array, become floats; every bad value is a
 * reason naming the feature (and the element), never an exception; bad types are config errors.
 */
class FeatureLayoutTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("b", DataTypes.ByteType)
          .add("s", DataTypes.ShortType)
          .add("i", DataTypes.IntegerType)
          .add("l", DataTypes.LongType)
          .add("f", DataTypes.FloatType)
          .add("d", DataTypes.DoubleType)
          .add("dec", DataTypes.createDecimalType(10, 2))
          .add("str", DataTypes.StringType)
          .add("ad", DataTypes.createArrayType(DataTypes.DoubleType))
          .add("as", DataTypes.createArrayType(DataTypes.StringType))
          .add("al", DataTypes.createArrayType(DataTypes.LongType))
          .add("adec", DataTypes.createArrayType(DataTypes.createDecimalType(5, 1)))
          .add("flag", DataTypes.BooleanType)
          .add("day", DataTypes.DateType)
          .add("c", DataTypes.createCharType(3));

  private static final List<FeatureColumn> FEATURES =
      Stream.of("b", "s", "i", "l", "f", "d", "dec", "str", "ad[2]", "as[2]", "al[1]", "adec[1]")
          .map(FeatureColumn::parse)
          .toList();

  private static Object[] good() {
    return new Object[] {
      (byte) -3,
      (short) 300,
      70_000,
      -5_000_000_000L,
      1.5f,
      -2.25d,
      Decimal.apply(new BigDecimal("12.34"), 10, 2),
      UTF8String.fromString(" 7.5 "),
      new GenericArrayData(new Object[] {0.5d, -0.0d}),
      new GenericArrayData(
          new Object[] {UTF8String.fromString("1e3"), UTF8String.fromString("-2")}),
      new GenericArrayData(new Object[] {9L}),
      new GenericArrayData(new Object[] {Decimal.apply(new BigDecimal("-0.5"), 5, 1)}),
      true,
      1,
      UTF8String.fromString("abc")
    };
  }

  private static InternalRow row(Object[] values) {
    return new GenericInternalRow(values);
  }

  private static InternalRow unsafe(Object[] values) {
    return UnsafeProjection.create(SCHEMA).apply(row(values)).copy();
  }

  private static Object[] with(int index, Object value) {
    Object[] v = good();
    v[index] = value;
    return v;
  }

  private static String reason(FeatureLayout layout, Object[] values) {
    String generic = layout.fill(row(values), new float[layout.width()], 0);
    String unsafe = layout.fill(unsafe(values), new float[layout.width()], 0);
    assertEquals(generic, unsafe, "the same reason for generic and Unsafe rows");
    return generic;
  }

  @Test
  void everyNumericTypeBecomesFloats() throws Exception {
    FeatureLayout layout = FeatureLayout.bind(FEATURES, SCHEMA);
    assertEquals(14, layout.width());
    float[] expected = {
      -3f, 300f, 70_000f, -5e9f, 1.5f, -2.25f, 12.34f, 7.5f, 0.5f, -0.0f, 1000f, -2f, 9f, -0.5f
    };
    for (InternalRow r : List.of(row(good()), unsafe(good()))) {
      float[] out = new float[layout.width() + 2];
      Arrays.fill(out, 42f);
      assertNull(layout.fill(r, out, 1));
      assertEquals(42f, out[0]);
      assertArrayEquals(expected, Arrays.copyOfRange(out, 1, 15));
      assertEquals(42f, out[15]);
    }
    // Shipped to executors: the layout reads the same after serialization.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(layout);
    }
    FeatureLayout copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (FeatureLayout) in.readObject();
    }
    float[] out = new float[copy.width()];
    assertNull(copy.fill(unsafe(good()), out, 0));
    assertArrayEquals(expected, out);
  }

  @Test
  void badValuesAreReasonsNamingTheFeature() {
    FeatureLayout layout = FeatureLayout.bind(FEATURES, SCHEMA);
    assertEquals("feature 'i' is null", reason(layout, with(2, null)));
    assertEquals("feature 'd' is NaN", reason(layout, with(5, Double.NaN)));
    assertEquals("feature 'f' is infinite", reason(layout, with(4, Float.NEGATIVE_INFINITY)));
    assertEquals(
        "feature 'd' value 1.0E300 is outside float range", reason(layout, with(5, 1e300)));
    assertEquals(
        "feature 'str' value 'abc' is not a number",
        reason(layout, with(7, UTF8String.fromString("abc"))));
    assertEquals("feature 'str' is NaN", reason(layout, with(7, UTF8String.fromString("NaN"))));
    assertEquals(
        "feature 'ad' has 3 elements, expected 2",
        reason(layout, with(8, new GenericArrayData(new Object[] {1d, 2d, 3d}))));
    assertEquals(
        "feature 'ad' element 1 is null",
        reason(layout, with(8, new GenericArrayData(new Object[] {1d, null}))));
    assertEquals(
        "feature 'ad' element 0 is infinite",
        reason(layout, with(8, new GenericArrayData(new Object[] {Double.POSITIVE_INFINITY, 1d}))));
    assertEquals(
        "feature 'as' element 1 value 'x' is not a number",
        reason(
            layout,
            with(
                9,
                new GenericArrayData(
                    new Object[] {UTF8String.fromString("1"), UTF8String.fromString("x")}))));
    assertEquals(
        "feature 'as' element 0 value 1.0E39 is outside float range",
        reason(
            layout,
            with(
                9,
                new GenericArrayData(
                    new Object[] {UTF8String.fromString("1e39"), UTF8String.fromString("1")}))));
  }

  @Test
  void typesThatCannotFeedATensorAreConfigErrors() {
    for (String column : List.of("flag", "day", "c")) {
      JobConfigException e =
          assertThrows(
              JobConfigException.class,
              () -> FeatureLayout.bind(List.of(FeatureColumn.parse(column)), SCHEMA));
      DataType type = SCHEMA.apply(column).dataType();
      assertTrue(
          e.getMessage()
              .contains(
                  "model.features column '"
                      + column
                      + "' has type "
                      + type.simpleString()
                      + ", which cannot feed a float tensor"),
          e.getMessage());
    }
    JobConfigException scalar =
        assertThrows(
            JobConfigException.class,
            () -> FeatureLayout.bind(List.of(FeatureColumn.parse("ad")), SCHEMA));
    assertTrue(scalar.getMessage().contains("lists 'ad' as a scalar"), scalar.getMessage());
    JobConfigException array =
        assertThrows(
            JobConfigException.class,
            () -> FeatureLayout.bind(List.of(FeatureColumn.parse("d[2]")), SCHEMA));
    assertTrue(array.getMessage().contains("lists 'd[2]' as an array"), array.getMessage());
    JobConfigException missing =
        assertThrows(
            JobConfigException.class,
            () -> FeatureLayout.bind(List.of(FeatureColumn.parse("nope")), SCHEMA));
    assertTrue(
        missing.getMessage().contains("names column 'nope', which the input does not have"),
        missing.getMessage());
  }
}

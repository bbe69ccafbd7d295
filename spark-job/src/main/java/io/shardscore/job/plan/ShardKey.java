package io.shardscore.job.plan;

import static org.apache.spark.sql.functions.udf;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.row.ColumnNames;
import io.shardscore.sharding.KeyCoder;
import io.shardscore.sharding.KeyType;
import io.shardscore.sharding.ShardPlan;
import java.math.BigDecimal;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;

/**
 * The shard key column as plans see it: its {@link KeyType}, checked against the input schema, and
 * the Spark column of each row's key code, which every stage (census, routing, stray-key report)
 * computes the same way. Long-coded keys are turned into codes by Spark's own expressions (a cast,
 * {@code unix_date}, {@code unix_micros}, the decimal times 10^scale), so the rows stay in Spark's
 * binary format; text keys and value lists go through the plan's {@link KeyCoder}.
 */
public final class ShardKey {
  private ShardKey() {}

  /** The type of the key column, or an error naming it when it cannot be a shard key. */
  public static KeyType type(String key, Dataset<Row> input) {
    StructField field = ShardPlanner.field(input, key, "sharding.key");
    DataType t = field.dataType();
    if (t.equals(DataTypes.LongType)
        || t.equals(DataTypes.IntegerType)
        || t.equals(DataTypes.ShortType)
        || t.equals(DataTypes.ByteType)) {
      return KeyType.integral(t.simpleString());
    }
    if (t.equals(DataTypes.StringType)) {
      return KeyType.TEXT;
    }
    if (t.equals(DataTypes.DateType)) {
      return KeyType.DATE;
    }
    if (t.equals(DataTypes.TimestampType)) {
      return KeyType.TIMESTAMP;
    }
    if (t instanceof DecimalType d && d.precision() <= KeyType.MAX_DECIMAL_PRECISION) {
      return KeyType.decimal(d.precision(), d.scale());
    }
    String hint =
        t instanceof DecimalType
            ? " Decimal keys need a precision of at most 18; cast the column to decimal(18,"
                + ((DecimalType) t).scale()
                + ") if its values fit."
            : t.equals(DataTypes.TimestampNTZType)
                ? " Cast a timestamp_ntz column to timestamp (an instant) before scoring."
                : t.equals(DataTypes.FloatType) || t.equals(DataTypes.DoubleType)
                    ? " Floating-point values do not compare exactly; use a decimal or an integral"
                        + " column, or derive one before scoring."
                    : " Pick such a column or derive one before scoring.";
    throw new JobConfigException(
        "sharding.key column '"
            + key
            + "' has type "
            + t.simpleString()
            + ", which cannot be a shard key: keys are integral (tinyint, smallint, int, bigint),"
            + " string, date, timestamp or decimal(p,s) with p at most 18."
            + hint);
  }

  /**
   * The key's long code ({@link KeyType}): the integral value, the epoch day, the epoch
   * microsecond, or the unscaled decimal; the string itself for a text key. Null for a null key.
   */
  public static Column base(String key, KeyType type) {
    Column c = ColumnNames.column(key);
    return switch (type.kind()) {
      case INTEGRAL -> c.cast(DataTypes.LongType);
      case DATE -> functions.unix_date(c).cast(DataTypes.LongType);
      case TIMESTAMP -> functions.unix_micros(c);
      case DECIMAL ->
          c.multiply(functions.lit(BigDecimal.TEN.pow(type.scale()))).cast(DataTypes.LongType);
      case TEXT -> c;
    };
  }

  /** The code {@link ShardPlan#assign} takes for each row's key; null for a null key. */
  public static Column code(ShardPlan plan) {
    Column base = base(plan.keyColumn(), plan.keyType());
    if (plan.coder() == null) {
      return base;
    }
    return udf(new CodeOf(plan.coder()), DataTypes.LongType).apply(base);
  }

  private record CodeOf(KeyCoder coder) implements UDF1<Object, Long> {
    @Override
    public Long call(Object value) {
      return value == null ? null : coder.code(value);
    }
  }
}

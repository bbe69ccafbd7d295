package io.shardscore.job.demo;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.shardscore.job.row.ColumnNames;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * A synthetic customer table for the demo and tests: {@code customer_id} 0..n-1, three string
 * columns, 14 numeric features and one 6-long array feature, all derived deterministically from the
 * id by hashing. A few rows are deliberately bad (a null feature, a short array, a NaN, a null key)
 * so that the errors dataset has something to show.
 */
public final class DemoData {
  /** Model input columns in tensor order: 14 scalars and one array of 6, 20 floats in all. */
  public static final List<String> FEATURES =
      List.of(
          "tenure_months",
          "monthly_charges",
          "total_charges",
          "support_calls",
          "late_payments",
          "logins_30d",
          "avg_session_minutes",
          "discount_rate",
          "num_products",
          "age",
          "credit_score",
          "days_since_last_purchase",
          "satisfaction",
          "referrals",
          "spend_by_month[6]");

  public static final int WIDTH = 20;

  /** Every this many rows, one row has each kind of defect. */
  public static final long DEFECT_PERIOD = 50_000;

  private DemoData() {}

  /** The table as a lazy Dataset of {@code rows} rows in {@code partitions} partitions. */
  public static Dataset<Row> frame(SparkSession spark, long rows, int partitions, boolean defects) {
    Column id = ColumnNames.column("id");
    Column phase = pmod(id, lit(DEFECT_PERIOD));
    List<Column> cols = new ArrayList<>();
    Column key = id;
    if (defects) {
      key = when(phase.equalTo(99), lit(null).cast(DataTypes.LongType)).otherwise(id);
    }
    cols.add(key.as("customer_id"));
    cols.add(concat(lit("customer-"), id.cast(DataTypes.StringType)).as("name"));
    cols.add(
        element_at(
                array(lit("DE"), lit("FR"), lit("US"), lit("IN"), lit("BR")),
                pmod(u(id, 1, 5), lit(5)).plus(1).cast(DataTypes.IntegerType))
            .as("country"));
    cols.add(
        element_at(
                array(lit("consumer"), lit("smb"), lit("enterprise")),
                pmod(u(id, 2, 3), lit(3)).plus(1).cast(DataTypes.IntegerType))
            .as("segment"));
    cols.add(u(id, 3, 120).cast(DataTypes.IntegerType).as("tenure_months"));
    Column monthly = u(id, 4, 10_000).divide(100.0);
    if (defects) {
      monthly = when(phase.equalTo(7), lit(null).cast(DataTypes.DoubleType)).otherwise(monthly);
    }
    cols.add(monthly.as("monthly_charges"));
    cols.add(u(id, 5, 1_000_000).divide(100.0).as("total_charges"));
    cols.add(u(id, 6, 12).cast(DataTypes.IntegerType).as("support_calls"));
    cols.add(u(id, 7, 6).cast(DataTypes.IntegerType).as("late_payments"));
    cols.add(u(id, 8, 60).cast(DataTypes.IntegerType).as("logins_30d"));
    cols.add(u(id, 9, 9_000).divide(100.0).as("avg_session_minutes"));
    cols.add(u(id, 10, 50).divide(100.0).as("discount_rate"));
    cols.add(u(id, 11, 6).plus(1).cast(DataTypes.IntegerType).as("num_products"));
    cols.add(u(id, 12, 62).plus(18).cast(DataTypes.IntegerType).as("age"));
    cols.add(u(id, 13, 550).plus(300).cast(DataTypes.IntegerType).as("credit_score"));
    cols.add(u(id, 14, 365).cast(DataTypes.IntegerType).as("days_since_last_purchase"));
    Column satisfaction = u(id, 15, 1_000).divide(100.0);
    if (defects) {
      satisfaction = when(phase.equalTo(21), lit(Double.NaN)).otherwise(satisfaction);
    }
    cols.add(satisfaction.as("satisfaction"));
    cols.add(u(id, 16, 5).cast(DataTypes.IntegerType).as("referrals"));
    Column[] spend = new Column[6];
    for (int m = 0; m < 6; m++) {
      spend[m] = u(id, 20 + m, 50_000).divide(100.0);
    }
    Column spendArray = array(spend);
    if (defects) {
      spendArray = when(phase.equalTo(13), slice(spendArray, 1, 5)).otherwise(spendArray);
    }
    cols.add(spendArray.as("spend_by_month"));
    return spark.range(0, rows, 1, partitions).select(cols.toArray(Column[]::new));
  }

  /** Rows with a defect among the first {@code rows} ids: null key, null, NaN, short array. */
  public static long defectiveRows(long rows) {
    long count = 0;
    for (long phase : new long[] {7, 13, 21, 99}) {
      count += phase < rows ? (rows - 1 - phase) / DEFECT_PERIOD + 1 : 0;
    }
    return count;
  }

  public static void write(SparkSession spark, long rows, String path) {
    int partitions = (int) Math.max(1, Math.min(16, rows / 250_000));
    frame(spark, rows, partitions, true).write().mode(SaveMode.Overwrite).parquet(path);
  }

  /** A uniform integer in [0, modulus) from the id and a salt. */
  private static Column u(Column id, int salt, long modulus) {
    return pmod(xxhash64(id, lit(salt)), lit(modulus));
  }

  /** Per-feature mean and standard deviation of the uniform distributions above. */
  public static float[][] featureScaling() {
    double[][] ranges = {
      {0, 119},
      {0, 99.99},
      {0, 9999.99},
      {0, 11},
      {0, 5},
      {0, 59},
      {0, 89.99},
      {0, 0.49},
      {1, 6},
      {18, 79},
      {300, 849},
      {0, 364},
      {0, 9.99},
      {0, 4},
      {0, 499.99},
      {0, 499.99},
      {0, 499.99},
      {0, 499.99},
      {0, 499.99},
      {0, 499.99}
    };
    float[] mean = new float[ranges.length];
    float[] std = new float[ranges.length];
    for (int i = 0; i < ranges.length; i++) {
      mean[i] = (float) ((ranges[i][0] + ranges[i][1]) / 2);
      std[i] = (float) ((ranges[i][1] - ranges[i][0]) / Math.sqrt(12));
    }
    return new float[][] {mean, std};
  }
}

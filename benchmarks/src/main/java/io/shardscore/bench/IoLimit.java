package io.shardscore.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import io.shardscore.job.row.ColumnNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * What Spark itself moves: the same read, the same shuffle into one partition per shard slice, and
 * a Parquet write of the same columns, with the model replaced by constant prediction columns.
 */
final class IoLimit {
  private IoLimit() {}

  static Measurement run(SparkSession spark, Workload w, Path out, int partitions, int rep) {
    Dataset<Row> in = spark.read().parquet(w.data().toString());
    List<Column> cols = new ArrayList<>();
    for (String c : in.columns()) {
      cols.add(ColumnNames.column(c));
    }
    cols.add(functions_array().as("probabilities"));
    cols.add(lit(0.5f).as("score"));
    cols.add(lit(1).as("label"));
    cols.add(lit("0".repeat(64)).as("model_digest"));
    cols.add(lit("bench").as("run_id"));
    cols.add(current_timestamp().as("scored_at"));
    long start = System.nanoTime();
    in.select(cols.toArray(Column[]::new))
        .repartition(
            partitions,
            col("customer_id")
                .divide(Math.max(1, w.rows() / partitions))
                .cast(DataTypes.IntegerType))
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(out.toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Measurement("io-limit", w.name(), rep, w.rows(), seconds, Map.of());
  }

  private static Column functions_array() {
    return org.apache.spark.sql.functions.array(lit(0.5f), lit(0.5f));
  }
}

package io.shardscore.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.Timestamp;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Spark alone on the {@link WideCase} input, as a process of its own: read the files, then either
 * shuffle into the 8 shard partitions ({@code shuffle}: the io-limit) or not ({@code copy}: the
 * copy-limit), and write the columns shardscore writes (key, constant probabilities, model digest,
 * run id, scored-at) with Spark's own Parquet writer.
 *
 * <p>Arguments: {@code shuffle|copy <input> <output> <rows>}.
 */
public final class WideLimit {
  private WideLimit() {}

  public static void main(String[] args) {
    boolean shuffle = args[0].equals("shuffle");
    long rows = Long.parseLong(args[3]);
    SparkSession spark = BenchmarkCommand.localSpark("wide-" + args[0] + "-limit");
    Dataset<Row> in = spark.read().parquet(args[1]);
    Dataset<Row> out =
        in.select(
            col("customer_id"),
            functions.array(lit(0.5f), lit(0.5f)).as("probabilities"),
            lit("0".repeat(64)).as("model_digest"),
            lit("bench-run").as("run_id"),
            lit(new Timestamp(System.currentTimeMillis())).as("scored_at"));
    if (shuffle) {
      long width = Math.max(1, rows / WideCase.SHARDS);
      out =
          out.repartition(
              WideCase.SHARDS, col("customer_id").divide(width).cast(DataTypes.IntegerType));
    }
    out.write().mode(SaveMode.Overwrite).parquet(args[2]);
    spark.stop();
  }
}

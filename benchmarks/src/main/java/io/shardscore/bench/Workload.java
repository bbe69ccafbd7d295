package io.shardscore.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.shardscore.job.demo.DemoData;
import io.shardscore.job.demo.DemoModel;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * A data set and a model to measure with. {@code small}: the demo table (20 features) and its
 * 20-32-16-2 MLP, where moving rows costs more than the model. {@code heavy}: 256 features and a
 * 256-2048-2048-2048-2 MLP (about 18 MFLOP per row), where the model dominates. (A 256-1024-1024-2
 * MLP is still I/O-bound on this machine: ONNX Runtime scores it faster than Spark moves 256 floats
 * per row.)
 */
public record Workload(
    String name, Path data, Path model, List<String> features, int width, long rows) {

  static Workload small(SparkSession spark, Path dir, long rows) throws IOException {
    Path data = dir.resolve("small-" + rows);
    DemoData.frame(spark, rows, 8, false).write().mode(SaveMode.Overwrite).parquet(data.toString());
    Path model = DemoModel.write(dir.resolve("small.onnx"));
    return new Workload("small", data, model, DemoData.FEATURES, DemoData.WIDTH, rows);
  }

  static Workload heavy(SparkSession spark, Path dir, long rows, int files) throws IOException {
    Path data = dir.resolve("heavy-" + rows + "-" + files);
    heavyFrame(spark, rows, files).write().mode(SaveMode.Overwrite).parquet(data.toString());
    Path model = dir.resolve("heavy.onnx");
    OnnxMlpWriter.write(Mlp.seeded(256, 256, 2048, 2048, 2048, 2), model);
    return new Workload("heavy", data, model, List.of("x[256]"), 256, rows);
  }

  /**
   * {@code rows} rows of 256 features in {@code files} files, each file one contiguous key range
   * (key-clustered, as the incremental benchmark needs).
   */
  static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> heavyFrame(
      SparkSession spark, long rows, int files) {
    List<Column> xs = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      xs.add(
          pmod(xxhash64(col("id"), lit(i)), lit(2000))
              .divide(1000.0)
              .minus(1.0)
              .cast(DataTypes.FloatType));
    }
    return spark
        .range(0, rows, 1, files)
        .select(col("id").as("customer_id"), functions.array(xs.toArray(Column[]::new)).as("x"));
  }
}

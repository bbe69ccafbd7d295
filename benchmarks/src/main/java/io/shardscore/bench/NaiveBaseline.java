package io.shardscore.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.shardscore.job.config.FeatureColumn;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The naive way peers do it: a per-row Spark function that loads the model in every task and calls
 * it one row at a time through boxed {@code Row} getters, then Spark's own Parquet write.
 */
final class NaiveBaseline {
  private NaiveBaseline() {}

  static Measurement run(SparkSession spark, Workload w, Path out, long rows, int rep) {
    List<FeatureColumn> features = w.features().stream().map(FeatureColumn::parse).toList();
    StructType schema =
        new StructType().add("customer_id", DataTypes.LongType).add("score", DataTypes.FloatType);
    long start = System.nanoTime();
    spark
        .read()
        .parquet(w.data().toString())
        .limit((int) rows)
        .repartition(8)
        .mapPartitions(new PerTask(w.model().toString(), features, w.width()), Encoders.row(schema))
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(out.toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Measurement("naive-udf", w.name(), rep, rows, seconds, Map.of("loads", 8));
  }

  private record PerTask(String model, List<FeatureColumn> features, int width)
      implements MapPartitionsFunction<Row, Row>, Serializable {
    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
      Criteria<float[], Float> criteria =
          Criteria.builder()
              .setTypes(float[].class, Float.class)
              .optModelPath(Path.of(model))
              .optEngine("OnnxRuntime")
              .optTranslator(new OneRow())
              .build();
      // Like the naive pattern it stands for, it keeps a partition's results in a list so that the
      // per-task model can be closed before returning; shardscore itself never does this.
      List<Row> out = new ArrayList<>();
      try (ZooModel<float[], Float> m = criteria.loadModel();
          Predictor<float[], Float> p = m.newPredictor()) {
        while (rows.hasNext()) {
          Row r = rows.next();
          float[] x = new float[width];
          int pos = 0;
          for (FeatureColumn f : features) {
            Object v = r.get(r.fieldIndex(f.column()));
            if (f.array()) {
              for (Object e : r.getList(r.fieldIndex(f.column()))) {
                x[pos++] = ((Number) e).floatValue();
              }
            } else {
              x[pos++] = ((Number) v).floatValue();
            }
          }
          out.add(RowFactory.create(r.getLong(r.fieldIndex("customer_id")), p.predict(x)));
        }
      }
      return out.iterator();
    }
  }

  private static final class OneRow implements NoBatchifyTranslator<float[], Float> {
    @Override
    public NDList processInput(TranslatorContext ctx, float[] x) {
      return new NDList(ctx.getNDManager().create(x, new Shape(1, x.length)));
    }

    @Override
    public Float processOutput(TranslatorContext ctx, NDList list) {
      return list.get(0).toFloatArray()[1];
    }
  }
}

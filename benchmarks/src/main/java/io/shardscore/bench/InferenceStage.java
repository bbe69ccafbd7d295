package io.shardscore.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.ModelOutputs;
import io.shardscore.job.row.ColumnNames;
import io.shardscore.job.score.BatchScorer;
import io.shardscore.job.score.FeatureLayout;
import io.shardscore.job.score.OutputLayout;
import io.shardscore.job.score.PredictionColumns;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import io.shardscore.model.ScoringSession;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;

/**
 * shardscore's inference stage alone: cached input rows through the same feature packing, batched
 * model calls and output projection the tasks use, into a sink that drops the rows.
 */
final class InferenceStage {
  private final Dataset<Row> cached;
  private final Scorer scorer;

  InferenceStage(SparkSession spark, Workload w, int partitions, int batch) {
    List<FeatureColumn> features = w.features().stream().map(FeatureColumn::parse).toList();
    Column[] cols =
        java.util.stream.Stream.concat(
                java.util.stream.Stream.of(col("customer_id")),
                java.util.stream.Stream.concat(
                    features.stream().map(f -> ColumnNames.column(f.column())),
                    java.util.stream.Stream.of(lit(0).as("__route"))))
            .toArray(Column[]::new);
    cached =
        spark
            .read()
            .parquet(w.data().toString())
            .select(cols)
            .repartition(partitions)
            .persist(StorageLevel.MEMORY_ONLY());
    cached.count();
    FeatureLayout layout = FeatureLayout.bind(features, cached.schema());
    ModelSpec spec =
        new ModelSpec(
            w.model().toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(w.model()), w.width());
    OutputLayout out =
        new OutputLayout(cached.schema(), 1, PredictionColumns.resolve(ModelOutputs.defaults(), 2));
    scorer = new Scorer(layout, out, spec, w.model().toString(), batch);
  }

  Measurement run(Workload w, int rep) {
    long start = System.nanoTime();
    long rows = cached.queryExecution().toRdd().toJavaRDD().mapPartitions(scorer).reduce(Long::sum);
    return new Measurement(
        "inference-stage", w.name(), rep, rows, (System.nanoTime() - start) / 1e9, Map.of());
  }

  void release() {
    cached.unpersist(true);
  }

  private record Scorer(
      FeatureLayout features, OutputLayout layout, ModelSpec spec, String file, int batch)
      implements FlatMapFunction<Iterator<InternalRow>, Long>, Serializable {
    @Override
    public Iterator<Long> call(Iterator<InternalRow> rows) throws Exception {
      BatchScorer scorer = new BatchScorer(features, layout, batch, spec.digest(), "bench", 0L);
      try (ScoringSession s =
          ModelRegistry.acquire(spec, () -> Path.of(file), EngineSettings.forTaskCpus(1))
              .newSession()) {
        long n = scorer.score(rows, s, row -> {}, row -> {}, row -> {});
        return List.of(n).iterator();
      }
    }
  }
}

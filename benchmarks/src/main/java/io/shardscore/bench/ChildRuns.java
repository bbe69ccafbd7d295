package io.shardscore.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The measurements that need a JVM of their own ({@link ChildJvm}): model loads on a two-executor
 * local cluster ({@link ClusterLoads}) and the memory of one task against shard size ({@link
 * MemoryProbe}).
 */
final class ChildRuns {
  private final Path out;
  private final boolean quick;
  private final int rowGroupMb;
  private final ResultLog results;

  ChildRuns(Path out, boolean quick, int rowGroupMb, ResultLog results) {
    this.out = out;
    this.quick = quick;
    this.rowGroupMb = rowGroupMb;
    this.results = results;
  }

  void modelLoads(Workload w) throws Exception {
    BenchmarkCommand.log("model loads on a local-cluster of 2 executors");
    Path home = ChildJvm.sparkHome(out.resolve("spark-home"));
    Map<String, Object> r =
        ChildJvm.run(
            ClusterLoads.class.getName(),
            "2g",
            Map.of("SPARK_HOME", home.toAbsolutePath().toString(), "SPARK_SCALA_VERSION", "2.13"),
            out.resolve("cluster-loads.log"),
            w.data().toAbsolutePath().toString(),
            w.model().toAbsolutePath().toString(),
            out.resolve("cluster-out").toAbsolutePath().toString(),
            String.join(",", w.features()),
            Long.toString(w.rows()));
    results.record(
        new Measurement(
            "model-loads",
            w.name(),
            0,
            ((Number) r.get("rows")).longValue(),
            ((Number) r.get("seconds")).doubleValue(),
            r));
  }

  void memory(Workload small) throws Exception {
    long big = quick ? 200_000 : 10_000_000;
    long little = big / 10;
    SparkSession spark = BenchmarkCommand.localSpark("bench-data");
    List<Path> inputs = new ArrayList<>();
    for (long rows : new long[] {little, big}) {
      BenchmarkCommand.log("memory: generating a " + rows + "-row shard");
      Path p = out.resolve("data/memory-" + rows);
      io.shardscore.job.demo.DemoData.frame(spark, rows, 8, false)
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(p.toString());
      inputs.add(p);
    }
    spark.stop();
    for (Path p : inputs) {
      Map<String, Object> r =
          ChildJvm.run(
              MemoryProbe.class.getName(),
              "1g",
              Map.of(),
              out.resolve(p.getFileName() + ".log"),
              p.toAbsolutePath().toString(),
              small.model().toAbsolutePath().toString(),
              out.resolve("memory-out").toAbsolutePath().toString(),
              String.join(",", small.features()),
              Long.toString(rowGroupMb * 1024L * 1024L));
      Map<String, Object> extra = new LinkedHashMap<>(r);
      extra.put("rowGroupMb", rowGroupMb);
      results.record(
          new Measurement(
              "memory",
              "small",
              0,
              ((Number) r.get("rows")).longValue(),
              ((Number) r.get("seconds")).doubleValue(),
              extra));
    }
  }
}

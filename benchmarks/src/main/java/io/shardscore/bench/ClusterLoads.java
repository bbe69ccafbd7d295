package io.shardscore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.Shardscore;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Child JVM: runs a job of at least 20 tasks on Spark's {@code local-cluster} master (two executor
 * JVMs, started from a SPARK_HOME of Maven jars) and prints the model loads per executor.
 * Arguments: data, model, output, features (comma-separated), rows.
 */
public final class ClusterLoads {
  private ClusterLoads() {}

  public static void main(String[] args) throws Exception {
    String opens =
        String.join(
            " ",
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(
                    a -> a.startsWith("--add-opens") || a.startsWith("-D") || a.startsWith("-XX"))
                .filter(a -> !a.startsWith("-Dlog4j"))
                .toList());
    SparkSession spark =
        SparkSession.builder()
            .master("local-cluster[2,1,1536]")
            .appName("shardscore-bench-loads")
            .config("spark.executor.extraJavaOptions", opens)
            .config("spark.executorEnv.DJL_OFFLINE", "true")
            .config("spark.executorEnv.OPT_OUT_TRACKING", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    long rows = Long.parseLong(args[4]);
    long start = System.nanoTime();
    ScoreResult r =
        Shardscore.job(spark)
            .input(args[0])
            .shardByRanges("customer_id", "0-" + (rows / 2 - 1) + "," + rows / 2 + "-MAX")
            .maxRowsPerPartition(Math.max(1, rows / 24))
            .model(args[1], List.of(args[3].split(",")))
            .output(args[2])
            .mode(OutputMode.OVERWRITE)
            .execute();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tasks", r.tasks());
    out.put("seconds", (System.nanoTime() - start) / 1e9);
    out.put("rows", r.rowsIn());
    out.put("loadsByExecutor", r.modelLoadsByExecutor());
    out.put("executors", spark.sparkContext().getExecutorMemoryStatus().size() - 1);
    spark.stop();
    System.out.println(new ObjectMapper().writeValueAsString(out));
  }
}

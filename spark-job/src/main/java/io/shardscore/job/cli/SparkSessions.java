package io.shardscore.job.cli;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the Spark session for the command line: under {@code spark-submit} the submitted settings
 * rule; run directly, shardscore uses embedded {@code local[*]} Spark. Executors are told to keep
 * DJL offline.
 */
final class SparkSessions {
  private SparkSessions() {}

  static SparkSession create(String master, Map<String, String> settings) {
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    System.setProperty(
        "ai.djl.onnx.disable_alternative",
        System.getProperty("ai.djl.onnx.disable_alternative", "true"));
    SparkSession.Builder builder = SparkSession.builder().appName("shardscore");
    if (master != null) {
      builder.master(master);
    } else if (System.getProperty("spark.master") == null) {
      builder.master("local[*]");
    }
    builder.config("spark.executorEnv.DJL_OFFLINE", "true");
    builder.config("spark.executorEnv.OPT_OUT_TRACKING", "true");
    settings.forEach(builder::config);
    return builder.getOrCreate();
  }
}

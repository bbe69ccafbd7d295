package io.shardscore.job.cli;

import io.shardscore.job.config.JobConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** The Spark session options of the commands that start Spark: {@code run} and {@code plan}. */
final class SessionOptions {
  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master when not under spark-submit; default local[*].")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "Extra Spark setting; repeatable.")
  Map<String, String> conf = new LinkedHashMap<>();

  /** The session for {@code job}: its {@code spark:} settings, then the {@code --conf} ones. */
  SparkSession create(JobConfig job) {
    Map<String, String> settings = new LinkedHashMap<>(job.spark());
    settings.putAll(conf);
    return SparkSessions.create(master, settings);
  }
}

package io.shardscore.job.cli;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.SparkSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

  /**
   * The session for {@code job}: its {@code spark:} settings, then the {@code --conf} ones. A value
   * Spark cannot read is refused first, naming its key, before the session starts.
   */
  SparkSession create(JobConfig job) {
    List<String> problems =
        new ArrayList<>(SparkSettings.problems(job.spark(), "in the spark: section"));
    problems.addAll(SparkSettings.problems(conf, "in --conf"));
    if (!problems.isEmpty()) {
      throw new JobConfigException(problems);
    }
    Map<String, String> settings = new LinkedHashMap<>(job.spark());
    settings.putAll(conf);
    return SparkSessions.create(master, settings);
  }
}

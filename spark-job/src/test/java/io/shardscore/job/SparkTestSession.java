package io.shardscore.job;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.demo.DemoModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/** One real local[2] Spark session shared by the test classes of this JVM, plus fixtures. */
public final class SparkTestSession {
  private static SparkSession spark;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("shardscore-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.driver.host", "127.0.0.1")
              .getOrCreate();
    }
    return spark;
  }

  /** Writes {@code rows} demo customers (with defects) under {@code dir/customers}. */
  public static Path customers(Path dir, long rows) {
    Path data = dir.resolve("customers");
    DemoData.frame(get(), rows, 2, true).write().parquet(data.toString());
    return data;
  }

  public static Path model(Path dir) {
    try {
      return DemoModel.write(dir.resolve("churn.onnx"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A job over the demo table with the given ranges and extra YAML lines. */
  public static JobConfig job(Path input, Path model, Path output, String ranges, String extra) {
    return job(input.toString(), model.toString(), output.toString(), ranges, extra);
  }

  /** The same with locations as URIs, such as {@code s3a://bucket/path}. */
  public static JobConfig job(
      String input, String model, String output, String ranges, String extra) {
    String yaml =
        JobYaml.demo(input, model, output)
                .set("sharding.ranges", JobYaml.quoted(ranges))
                .set("sharding.max-rows-per-partition", 4000)
                .set("model.features", JobYaml.flow(DemoData.FEATURES))
                .text()
            + extra;
    return JobConfigReader.parse(yaml, "test job");
  }

  /** Every file under {@code root} with its size and modification time, for before/after checks. */
  public static Map<String, String> listing(Path root) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(root)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(root)) {
      files
          .filter(Files::isRegularFile)
          .forEach(
              f -> {
                try {
                  out.put(
                      root.relativize(f).toString(),
                      Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}

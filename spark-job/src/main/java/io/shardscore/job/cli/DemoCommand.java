package io.shardscore.job.cli;

import io.shardscore.job.Shardscore;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.config.Setting;
import io.shardscore.job.config.Settings;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.demo.DemoModel;
import io.shardscore.job.result.RunSummary;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.row.ColumnNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shardscore demo}: generate customers, build the churn model, write a job file, run it on
 * embedded Spark and print the summary. Everything lands under one folder.
 */
@Command(
    name = "demo",
    description = {
      "End to end on embedded Spark: generate a synthetic customer table as Parquet, build an ONNX",
      "churn model, write job.yaml, score it sharded by customer_id ranges, commit, print a summary."
    },
    mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--rows",
      defaultValue = "1000000",
      description = "Customers to generate (default ${DEFAULT-VALUE}).")
  long rows;

  @Option(
      names = "--shards",
      defaultValue = "8",
      description = "CustomerID ranges to shard by (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(
      names = "--dir",
      defaultValue = "target/shardscore-demo",
      description = "Folder for data, model, job file and output (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--master",
      defaultValue = "local[*]",
      description = "Spark master (default ${DEFAULT-VALUE}).")
  String master;

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    Path data = dir.resolve("customers").toAbsolutePath();
    Path model = DemoModel.write(dir.resolve("churn.onnx").toAbsolutePath());
    Path output = dir.resolve("scores").toAbsolutePath();
    Path jobFile = dir.resolve("job.yaml");
    Files.writeString(jobFile, jobYaml(data, model, output));

    SparkSession spark = SparkSessions.create(master, Map.of("spark.sql.shuffle.partitions", "8"));
    long t0 = System.nanoTime();
    DemoData.write(spark, rows, data.toString());
    System.out.printf(
        Locale.ROOT,
        "generated %,d customers into %s in %.1f s%n",
        rows,
        data,
        (System.nanoTime() - t0) / 1e9);
    System.out.println("model: " + model + "   job file: " + jobFile);

    JobConfig job = JobConfigReader.read(jobFile);
    ScoreResult result = Shardscore.job(spark, job).execute();
    System.out.println();
    System.out.print(RunSummary.format(result));
    System.out.println("errors by reason:");
    result
        .errors()
        .groupBy(ColumnNames.column(JobConfigValidator.ERROR_REASON_COLUMN))
        .count()
        .orderBy(ColumnNames.column(JobConfigValidator.ERROR_REASON_COLUMN))
        .collectAsList()
        .forEach(r -> System.out.printf(Locale.ROOT, "  %,8d  %s%n", r.getLong(1), r.getString(0)));
    System.out.print(ReportCommand.pageLine(spark, result));
    spark.stop();
    return ExitCode.OK;
  }

  String jobYaml(Path data, Path model, Path output) {
    long width = Math.max(1, (rows + shards - 1) / shards);
    StringBuilder ranges = new StringBuilder();
    for (int s = 0; s < shards; s++) {
      long first = s * width;
      long last = s == shards - 1 ? Math.max(first, rows - 1) : first + width - 1;
      ranges.append(
          String.format(
              Locale.ROOT, "    - name: customers-%02d%n      range: %d-%d%n", s, first, last));
    }
    return "# Written by `shardscore demo`. Run it again with: bin/shardscore run --config <this file>\n"
        + "input:\n  path: "
        + data
        + "\n"
        + "output:\n  path: "
        + output
        + "\n  mode: overwrite\n"
        + "sharding:\n  key: customer_id\n  ranges:\n"
        + ranges
        + "  unmatched: errors\n  null-keys: errors\n  max-rows-per-partition: "
        + Math.max(1, width / 3 + 1)
        + "\n"
        + "model:\n  path: "
        + model
        + "\n"
        + "  engine: OnnxRuntime\n"
        + "  features:\n"
        + DemoData.FEATURES.stream().map(f -> "    - " + f + "\n").reduce("", String::concat)
        + "  outputs:\n    probabilities: churn_probabilities\n    score: churn_score\n    label: churn_label\n"
        + "scoring:\n"
        + setting(Settings.BATCH_SIZE)
        + setting(Settings.MAX_ERROR_FRACTION);
  }

  /** {@code key: default} under its section, so the demo's file shows the defaults it runs with. */
  private static String setting(Setting<?> s) {
    return "  "
        + s.key().substring(s.key().lastIndexOf('.') + 1)
        + ": "
        + s.defaultValue().orElseThrow()
        + "\n";
  }
}

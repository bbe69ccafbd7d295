package io.shardscore.job.cli;

import io.shardscore.job.ScoreJob;
import io.shardscore.job.Shardscore;
import io.shardscore.job.config.InputConfig;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.config.ModelConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.job.config.ShardingConfig;
import io.shardscore.job.result.RunSummary;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shardscore run}: score and commit one job described by a YAML file. */
@Command(
    name = "run",
    description = {
      "Score the input with the model, shard by shard, and commit the output atomically.",
      "Flags override the same keys of the job file; each override is logged."
    },
    mixinStandardHelpOptions = true,
    sortOptions = false)
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LogManager.getLogger(RunCommand.class);

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "Job YAML file (see README: Config reference).")
  Path config;

  @Option(names = "--input", paramLabel = "PATH", description = "Overrides input.path.")
  String input;

  @Option(names = "--output", paramLabel = "PATH", description = "Overrides output.path.")
  String output;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      description = "Overrides output.mode: error-if-exists, overwrite or incremental.")
  String mode;

  @Option(
      names = "--incremental",
      description = "Same as --mode incremental: score only new or changed shards.")
  boolean incremental;

  @Option(names = "--model", paramLabel = "FILE", description = "Overrides model.path.")
  String model;

  @Option(
      names = "--batch-size",
      paramLabel = "ROWS",
      description = "Overrides scoring.batch-size.")
  Integer batchSize;

  @Option(
      names = "--device",
      paramLabel = "cpu|gpu|auto",
      description = "Overrides scoring.device.")
  String device;

  @Option(
      names = "--max-error-fraction",
      paramLabel = "F",
      description = "Overrides scoring.max-error-fraction (0..1).")
  Double maxErrorFraction;

  @Option(
      names = "--max-rows-per-partition",
      paramLabel = "ROWS",
      description = "Overrides sharding.max-rows-per-partition.")
  Long maxRowsPerPartition;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id to record (e.g. the Airflow run date); default: time + random.")
  String runId;

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

  @picocli.CommandLine.Mixin ChangeOptions change = new ChangeOptions();

  @Override
  public Integer call() {
    JobConfig job = JobConfigValidator.validate(withOverrides(JobConfigReader.read(config)));
    Map<String, String> settings = new LinkedHashMap<>(job.spark());
    settings.putAll(conf);
    SparkSession spark = SparkSessions.create(master, settings);
    ScoreJob action = Shardscore.job(spark, job);
    if (runId != null) {
      action.runId(runId);
    }
    change.applyTo(action);
    ScoreResult result = action.execute();
    System.out.print(RunSummary.format(result));
    return ExitCode.OK;
  }

  JobConfig withOverrides(JobConfig job) {
    if (input != null) {
      log("input.path", job.input() == null ? null : job.input().path(), input);
      job =
          job.withInput(new InputConfig(input, job.input() == null ? null : job.input().format()));
    }
    if (incremental) {
      if (mode != null && !mode.equals("incremental")) {
        throw new io.shardscore.job.config.JobConfigException(
            "--incremental conflicts with --mode " + mode + "; pass one of them.");
      }
      mode = "incremental";
    }
    if (output != null || mode != null) {
      OutputConfig o = job.output() == null ? new OutputConfig(null, null) : job.output();
      if (output != null) {
        log("output.path", o.path(), output);
      }
      if (mode != null) {
        log("output.mode", o.mode(), mode);
      }
      job =
          job.withOutput(
              new OutputConfig(
                  output != null ? output : o.path(),
                  mode != null ? mode : o.mode(),
                  o.retention()));
    }
    if (model != null) {
      ModelConfig m = job.model() == null ? new ModelConfig(null, null, null, null) : job.model();
      log("model.path", m.path(), model);
      job = job.withModel(new ModelConfig(model, m.engine(), m.features(), m.outputs()));
    }
    if (device != null) {
      log("scoring.device", job.scoring().device(), device);
      job = job.withScoring(job.scoring().withDevice(device));
    }
    if (batchSize != null || maxErrorFraction != null) {
      ScoringConfig s = job.scoring();
      if (batchSize != null) {
        log("scoring.batch-size", s.batchSize(), batchSize);
      }
      if (maxErrorFraction != null) {
        log("scoring.max-error-fraction", s.maxErrorFraction(), maxErrorFraction);
      }
      s = batchSize != null ? s.withBatchSize(batchSize) : s;
      s = maxErrorFraction != null ? s.withMaxErrorFraction(maxErrorFraction) : s;
      job = job.withScoring(s);
    }
    if (maxRowsPerPartition != null && job.sharding() != null) {
      ShardingConfig s = job.sharding();
      log("sharding.max-rows-per-partition", s.maxRowsPerPartition(), maxRowsPerPartition);
      job = job.withSharding(s.withMaxRowsPerPartition(maxRowsPerPartition));
    }
    return job;
  }

  private static void log(String key, Object fromFile, Object fromFlag) {
    if (fromFile != null && !fromFile.equals(fromFlag)) {
      LOG.info("Command line sets {} to {} (the job file says {})", key, fromFlag, fromFile);
    }
  }
}

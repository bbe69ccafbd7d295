package io.shardscore.job.cli;

import io.shardscore.job.ScoreJob;
import io.shardscore.job.Shardscore;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.result.RunSummary;
import io.shardscore.job.result.ScoreResult;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code shardscore run}: score and commit one job described by a YAML file. */
@Command(
    name = "run",
    description = {
      "Score the input with the model, shard by shard, and commit the output atomically.",
      "Flags override the same keys of the job file; each override is logged."
    },
    mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {
  @Mixin JobOptions options = new JobOptions();

  @Mixin ChangeOptions change = new ChangeOptions();

  @Mixin SessionOptions session = new SessionOptions();

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id to record (e.g. the Airflow run date); default: time + random.")
  String runId;

  @Override
  public Integer call() {
    JobConfig job = options.validJob();
    SparkSession spark = session.create(job);
    ScoreJob action = Shardscore.job(spark, job);
    if (runId != null) {
      action.runId(runId);
    }
    change.applyTo(action);
    ScoreResult result = action.execute();
    System.out.print(RunSummary.format(result));
    System.out.print(ReportCommand.pageLine(spark, result));
    return ExitCode.OK;
  }
}

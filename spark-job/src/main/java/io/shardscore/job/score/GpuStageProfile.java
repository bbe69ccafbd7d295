package io.shardscore.job.score;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.model.DevicePolicy;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.SparkSession;

/**
 * GPU requests of the scoring stage. With {@code scoring.gpus-per-task} the scoring stage (and only
 * it: reading, shuffling and committing need no GPU) runs under its own task resource profile, so
 * the same executors run the rest of the job with all their task slots. Spark allows this with
 * dynamic allocation off, on standalone, YARN and Kubernetes masters (not plain {@code local}).
 */
public final class GpuStageProfile {
  private GpuStageProfile() {}

  /** The scoring stage's profile, or null when the job's default resources apply. */
  public static ResourceProfile of(ScoringConfig scoring, SparkSession spark) {
    if (scoring.gpusPerTask() == null) {
      return null;
    }
    SparkConf conf = spark.sparkContext().getConf();
    if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw new JobConfigException(
          "scoring.gpus-per-task is set, but spark.dynamicAllocation.enabled is true: Spark runs a"
              + " stage under its own task resource profile only with dynamic allocation off. Set"
              + " spark.task.resource.gpu.amount for the whole job instead, or turn dynamic"
              + " allocation off.");
    }
    String master = spark.sparkContext().master();
    if (master.startsWith("local") && !master.startsWith("local-cluster")) {
      throw new JobConfigException(
          "scoring.gpus-per-task needs a cluster master (standalone, YARN, Kubernetes or"
              + " local-cluster); "
              + master
              + " cannot schedule tasks by GPU. Remove the key to score locally.");
    }
    TaskResourceRequests task =
        new TaskResourceRequests()
            .cpus(conf.getInt("spark.task.cpus", 1))
            .resource("gpu", scoring.gpusPerTask());
    return new ResourceProfileBuilder().require(task).build();
  }

  /**
   * Fails before any job when the device policy is {@code gpu} but the job asks Spark for no GPU
   * per task, so no task could ever get one.
   */
  public static void checkGpusRequested(ScoringConfig scoring, SparkSession spark) {
    if (scoring.gpusPerTask() != null) {
      of(scoring, spark); // fails now on a master or setting that cannot take a stage profile
      return;
    }
    if (scoring.devicePolicy() != DevicePolicy.GPU) {
      return;
    }
    double perTask = spark.sparkContext().getConf().getDouble("spark.task.resource.gpu.amount", 0);
    if (perTask <= 0) {
      throw new JobConfigException(
          "scoring.device is gpu, but this job asks Spark for no GPU per task"
              + " (spark.task.resource.gpu.amount is not set). Set"
              + " spark.executor.resource.gpu.amount, spark.task.resource.gpu.amount (e.g. 1, or"
              + " 0.25 to share a GPU by four tasks) and a discovery script, or set"
              + " scoring.gpus-per-task, or use scoring.device: auto or cpu.");
    }
  }
}

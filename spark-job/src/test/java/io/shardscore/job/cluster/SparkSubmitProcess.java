package io.shardscore.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code org.apache.spark.deploy.SparkSubmit} in a JVM of its own whose classpath holds Spark alone
 * (as on a cluster where Spark is provided), running the shaded application jar's command line.
 * Asserts that the run committed and returns what it printed.
 */
public final class SparkSubmitProcess {
  private SparkSubmitProcess() {}

  /**
   * @param classpath Spark's classpath (no shardscore on it)
   * @param jvmOptions extra options of the spark-submit JVM (in client mode, the driver's)
   * @param env extra environment of the spark-submit JVM
   * @param submitArgs spark-submit options, then the app jar and its arguments
   */
  public static String runAndCommit(
      String classpath,
      List<String> jvmOptions,
      Map<String, String> env,
      Path log,
      List<String> submitArgs)
      throws Exception {
    Finished done = run(classpath, jvmOptions, env, log, submitArgs);
    assertEquals(0, done.exit(), done.output());
    assertTrue(done.output().contains("committed: "), done.output());
    return done.output();
  }

  /** How a spark-submit run ended: its exit code and what it printed. */
  public record Finished(int exit, String output) {}

  /** Runs spark-submit as {@link #runAndCommit} does, whatever the outcome. */
  public static Finished run(
      String classpath,
      List<String> jvmOptions,
      Map<String, String> env,
      Path log,
      List<String> submitArgs)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(StandaloneCluster.opens());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", classpath, "org.apache.spark.deploy.SparkSubmit"));
    cmd.addAll(
        List.of(
            "--class",
            "io.shardscore.job.cli.ShardscoreCommand",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.driver.extraJavaOptions=-Dai.djl.offline=true",
            "--conf",
            "spark.executor.extraJavaOptions=-Dai.djl.offline=true"));
    cmd.addAll(submitArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("DJL_OFFLINE", "true");
    pb.environment().put("OPT_OUT_TRACKING", "true");
    pb.environment().putAll(env);
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "spark-submit finished in time");
    return new Finished(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}

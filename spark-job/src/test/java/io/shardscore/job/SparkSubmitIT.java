package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.demo.DemoData;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar runs under {@code org.apache.spark.deploy.SparkSubmit --master
 * local[2]} in a separate JVM whose classpath holds Spark alone, as on a cluster where Spark is
 * provided.
 */
class SparkSubmitIT {
  @TempDir Path dir;

  @Test
  void theShadedJarRunsAJobUnderSparkSubmit() throws Exception {
    Path appJar = io.shardscore.job.cluster.StandaloneCluster.appJar();
    String sparkOnly =
        String.join(
            File.pathSeparator, io.shardscore.job.cluster.StandaloneCluster.providedClasspath());

    Path input = SparkTestSession.customers(dir, 10_000);
    Path model = SparkTestSession.model(dir);
    Path output = dir.resolve("scores");
    Path job = dir.resolve("job.yaml");
    Files.writeString(
        job,
        "input: {path: "
            + input
            + "}\noutput: {path: "
            + output
            + "}\n"
            + "sharding: {key: customer_id, ranges: '0-4999,5000-9999', max-rows-per-partition: 2500}\n"
            + "model:\n  path: "
            + model
            + "\n  features:\n"
            + DemoData.FEATURES.stream().map(f -> "    - " + f + "\n").reduce("", String::concat));

    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(Arrays.asList(System.getProperty("shardscore.it.opens", "").split(" ")));
    cmd.removeIf(String::isBlank);
    cmd.addAll(
        List.of(
            "-cp",
            sparkOnly,
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            "local[2]",
            "--class",
            "io.shardscore.job.cli.ShardscoreCommand",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.extraJavaOptions=-Dai.djl.offline=true",
            appJar.toString(),
            "run",
            "--config",
            job.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("DJL_OFFLINE", "true");
    pb.environment().put("OPT_OUT_TRACKING", "true");
    Path log = dir.resolve("spark-submit.log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "spark-submit finished in time");
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("committed: "), out);

    Manifest m = Shardscore.manifest(SparkTestSession.get(), output.toString()).orElseThrow();
    assertEquals(10_000, m.totalRows() + m.totalErrorRows());
    assertEquals(DemoData.defectiveRows(10_000), m.totalErrorRows());
  }
}

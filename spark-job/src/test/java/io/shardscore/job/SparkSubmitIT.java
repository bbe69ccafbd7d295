package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.cluster.SparkSubmitProcess;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.demo.DemoData;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    SparkSubmitProcess.runAndCommit(
        sparkOnly,
        List.of(),
        Map.of(),
        dir.resolve("spark-submit.log"),
        List.of("--master", "local[2]", appJar.toString(), "run", "--config", job.toString()));

    Manifest m = Shardscore.manifest(SparkTestSession.get(), output.toString()).orElseThrow();
    assertEquals(10_000, m.totalRows() + m.totalErrorRows());
    assertEquals(DemoData.defectiveRows(10_000), m.totalErrorRows());
  }
}

package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.shardscore.job.cluster.StandaloneCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAGs in {@code docker/airflow/dags} against the Airflow stand-in: structure, the
 * commands rendered for two run dates, and real runs of those commands (spark-submit of the shaded
 * jar with Spark alone on its classpath, the launcher, a rerun, a date without input, a retry after
 * a crash). The checks themselves are Python ({@code docker/airflow/tests}), run here so that
 * {@code mvn verify} runs them.
 */
class AirflowDagIT {
  @TempDir Path dir;

  @Test
  void theNightlyDagsScoreEachRunDateOnceAndResumeOnRetry() throws Exception {
    if ("1".equals(System.getenv("SHARDSCORE_SKIP_AIRFLOW"))) {
      Assumptions.abort("SHARDSCORE_SKIP_AIRFLOW=1: the Airflow DAG tests do not run");
    }
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Path script = repo.resolve("docker/airflow/tests/test_shardscore_dags.py");
    Path log = dir.resolve("airflow-dags.log");
    ProcessBuilder pb =
        new ProcessBuilder("python3", script.toString(), dir.resolve("work").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment()
        .put(
            "SHARDSCORE_SPARK_CLASSPATH",
            String.join(File.pathSeparator, StandaloneCluster.providedClasspath()));
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("DJL_OFFLINE", "true");
    pb.environment().put("OPT_OUT_TRACKING", "true");
    int code = pb.start().waitFor();
    String output = Files.readString(log);
    if (output.contains("No module named 'jinja2'")) {
      fail(
          "python3-jinja2 is not installed: install it (apt-get install -y python3-jinja2, as"
              + " .ci/run does) or set SHARDSCORE_SKIP_AIRFLOW=1 to skip the Airflow DAG tests");
    }
    List<String> lines = output.lines().toList();
    String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    assertEquals(0, code, "docker/airflow/tests/test_shardscore_dags.py failed:\n" + tail);
  }
}

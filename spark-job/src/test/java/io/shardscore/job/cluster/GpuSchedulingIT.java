package io.shardscore.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.ListenerEvents;
import io.shardscore.job.Shardscore;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.demo.DemoModel;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.plugin.ShardscorePlugin;
import io.shardscore.job.result.RunSummary;
import io.shardscore.job.result.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * GPU scheduling without a GPU: two standalone workers each offering two GPUs found by a discovery
 * script that reports fake addresses. Spark assigns them to tasks exactly as on GPU hosts; the
 * engine (a CPU-only ONNX Runtime build) sees none, which exercises the fallback and fail-fast
 * paths. What only a real GPU can confirm is listed in the README.
 */
@Tag("cluster")
class GpuSchedulingIT {
  private static final long ROWS = 60_000;

  /** GPU slots of the cluster: 2 workers with one executor of 2 cores and 2 GPUs each. */
  private static final int SLOTS = 4;

  private static final int ROUNDS = 4;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  static StandaloneCluster cluster;
  static Path appJar;
  static Path probeJar;
  static Path discovery;
  static String input;
  static String model;

  @BeforeAll
  static void start() throws Exception {
    discovery = dir.resolve("fake-gpus.sh");
    Files.writeString(
        discovery, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}'\n");
    Files.setPosixFilePermissions(discovery, PosixFilePermissions.fromString("rwxr-xr-x"));
    appJar = StandaloneCluster.appJar();
    probeJar = GpuSpanProbe.jar(dir);
    SparkSession local =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    try {
      input = dir.resolve("customers").toString();
      DemoData.frame(local, ROWS, 2, true).write().parquet(input);
    } finally {
      StandaloneCluster.stopSession(local);
    }
    model = DemoModel.write(dir.resolve("churn.onnx")).toString();
    cluster =
        StandaloneCluster.start(
            dir.resolve("cluster"),
            new StandaloneCluster.Workers(
                2,
                2,
                "1536m",
                Map.of(),
                List.of(
                    "-Dspark.worker.resource.gpu.amount=2",
                    "-Dspark.worker.resource.gpu.discoveryScript=" + discovery)));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static SparkSession driver(Map<String, String> extra) {
    SparkSession.Builder b =
        SparkSession.builder()
            .master(cluster.url())
            .appName("shardscore-gpu-scheduling")
            .config("spark.jars", appJar + "," + probeJar)
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.executor.memory", "1g")
            .config("spark.executor.cores", "2")
            .config("spark.executor.resource.gpu.amount", "2")
            .config("spark.executor.resource.gpu.discoveryScript", discovery.toString())
            .config(
                "spark.executor.extraJavaOptions",
                "-Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true");
    extra.forEach(b::config);
    return b.getOrCreate();
  }

  private static io.shardscore.job.ScoreJob job(SparkSession spark, String output) {
    return Shardscore.job(spark)
        .input(input)
        .shardByRanges("customer_id", "0-29999,30000-MAX")
        .maxRowsPerPartition(2_500)
        .model(model, DemoData.FEATURES)
        .output(output)
        .mode(OutputMode.OVERWRITE);
  }

  /** Executor stderr files of the running application, per executor id. */
  private static Map<String, String> executorLogs() throws Exception {
    Map<String, String> logs = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(dir.resolve("cluster"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
        logs.put(
            f.getParent().getParent().getFileName() + "/" + f.getParent().getFileName(),
            Files.readString(f));
      }
    }
    return logs;
  }

  @Test
  void concurrentTasksGetDistinctGpusAndAutoFallsBackToTheCpuOncePerExecutor() throws Exception {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.task.resource.gpu.amount", "1");
    conf.put("spark.plugins", ShardscorePlugin.class.getName());
    conf.put(ShardscorePlugin.WARMUP_MODEL, model);
    conf.put(ShardscorePlugin.WARMUP_FEATURES, "19");
    conf.put(ShardscorePlugin.WARMUP_DEVICE, "auto");
    // The barrier stages below wait for all 4 slots: look for them every second, not every 15 s,
    // and fail a barrier() that is not released within 2 minutes instead of waiting a year.
    conf.put("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
    conf.put("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "180");
    conf.put("spark.barrier.sync.timeout", "120");
    SparkSession spark = driver(conf);
    try {
      // Spark's side: tasks running at the same time on one executor hold different addresses.
      // Each round is a barrier stage as wide as the cluster's GPU slots (2 executors x 2 GPUs):
      // its tasks all run at once, two per executor, so every round has exactly one overlapping
      // pair per executor, by construction rather than by timing.
      List<String> spans = new ArrayList<>();
      JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
      ClassTag<String> strings = ClassTag$.MODULE$.apply(String.class);
      for (int round = 0; round < ROUNDS; round++) {
        RDD<Integer> slots =
            jsc.parallelize(new ArrayList<>(java.util.Collections.nCopies(SLOTS, 0)), SLOTS).rdd();
        spans.addAll(
            JavaRDD.fromRDD(
                    slots.barrier().mapPartitions(new GpuSpanProbe(), false, strings), strings)
                .collect());
      }
      assertEquals(ROUNDS * SLOTS, spans.size(), spans.toString());
      // (nanoTime is per JVM: compare spans of the same executor only)
      int overlaps = 0;
      for (int i = 0; i < spans.size(); i++) {
        for (int j = i + 1; j < spans.size(); j++) {
          String[] x = spans.get(i).split(",");
          String[] y = spans.get(j).split(",");
          boolean sameExecutor = x[0].equals(y[0]);
          boolean overlap =
              Long.parseLong(x[2]) < Long.parseLong(y[3])
                  && Long.parseLong(y[2]) < Long.parseLong(x[3]);
          if (sameExecutor && overlap) {
            overlaps++;
            assertNotEquals(
                x[1],
                y[1],
                "overlapping tasks " + spans.get(i) + " and " + spans.get(j) + " share a GPU");
          }
        }
      }
      System.out.println("observed: " + overlaps + " overlapping pairs in " + spans);
      assertEquals(ROUNDS * 2, overlaps, "one overlapping pair per executor and round: " + spans);

      ScoreResult r = job(spark, dir.resolve("auto").toString()).device("auto").execute();
      String summary = RunSummary.format(r);
      System.out.println(
          "observed: " + r.devicesByExecutor() + " loads " + r.modelLoadsByExecutor());
      assertEquals(2, r.devicesByExecutor().size(), summary);
      r.devicesByExecutor()
          .forEach(
              (executor, devices) -> {
                assertTrue(
                    devices.stream()
                        .allMatch(
                            d -> d.contains("-> cpu() (engine OnnxRuntime sees no usable GPU")),
                    devices.toString());
                assertTrue(
                    devices.stream().anyMatch(d -> d.startsWith("gpu 0 ->")), devices.toString());
                assertTrue(
                    devices.stream().anyMatch(d -> d.startsWith("gpu 1 ->")), devices.toString());
              });
      r.modelLoadsByExecutor()
          .values()
          .forEach(n -> assertEquals(1, n, "one model per (executor, actual device)"));
      assertTrue(summary.contains("devices per executor (assigned -> used)"), summary);
      Manifest m = Shardscore.manifest(spark, dir.resolve("auto").toString()).orElseThrow();
      assertTrue(
          m.model().devices().stream()
              .anyMatch(d -> d.matches("executor \\d+: gpu [01] -> cpu\\(\\) .*")),
          m.model().devices().toString());
      assertEquals(ROWS, r.rowsIn());

      Map<String, String> logs = executorLogs();
      assertEquals(2, logs.size(), logs.keySet().toString());
      for (Map.Entry<String, String> log : logs.entrySet()) {
        String text = log.getValue();
        int warnings = text.split("Logged once per executor", -1).length - 1;
        assertEquals(1, warnings, "one fallback warning in " + log.getKey());
        assertTrue(text.contains("Warmed model"), "the plugin warmed the model: " + log.getKey());
      }
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }

  @Test
  void gpuPolicyFailsBeforeScoringWhenTheEngineCannotUseTheAssignedGpu() {
    SparkSession spark = driver(Map.of("spark.task.resource.gpu.amount", "1"));
    try {
      String output = dir.resolve("gpu-only").toString();
      long start = System.nanoTime();
      ScoringFailedException e =
          assertThrows(
              ScoringFailedException.class, () -> job(spark, output).device("gpu").execute());
      System.out.printf(
          "observed: gpu policy failed in %.1f s: %s%n",
          (System.nanoTime() - start) / 1e9, e.getMessage());
      assertEquals(ScoringFailedException.Reason.DEVICE_UNAVAILABLE, e.reason());
      assertTrue(
          e.getMessage().contains("scoring.device is gpu and Spark assigned GPU"), e.getMessage());
      assertTrue(e.getMessage().contains("-Pgpu"), e.getMessage());
      assertTrue(e.getMessage().contains("Nothing was scored or committed"), e.getMessage());
      assertTrue(Shardscore.manifest(spark, output).isEmpty(), "nothing committed");
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }

  @Test
  void theScoringStageRunsUnderItsOwnGpuTaskProfile() {
    // No job-wide spark.task.resource.gpu.amount: only the scoring stage asks for GPUs.
    SparkSession spark = driver(Map.of());
    Set<Integer> profiles = ConcurrentHashMap.newKeySet();
    spark
        .sparkContext()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onStageSubmitted(SparkListenerStageSubmitted e) {
                if (e.stageInfo().numTasks() >= 20) {
                  profiles.add(e.stageInfo().resourceProfileId());
                }
              }
            });
    try {
      ScoreResult r =
          job(spark, dir.resolve("profile").toString()).device("auto").gpusPerTask(0.5).execute();
      ListenerEvents.drain(spark.sparkContext());
      System.out.println(
          "observed: stage profiles " + profiles + ", devices " + r.devicesByExecutor());
      assertEquals(1, profiles.size(), profiles.toString());
      assertNotEquals(0, profiles.iterator().next(), "not the default profile");
      assertFalse(r.devicesByExecutor().isEmpty());
      r.devicesByExecutor()
          .values()
          .forEach(
              ds -> assertTrue(ds.stream().allMatch(d -> d.startsWith("gpu ")), ds.toString()));
      assertEquals(ROWS, r.rowsIn());
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }
}

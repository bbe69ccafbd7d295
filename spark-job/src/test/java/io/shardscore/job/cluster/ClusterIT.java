package io.shardscore.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.ListenerEvents;
import io.shardscore.job.Shardscore;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.demo.DemoModel;
import io.shardscore.job.metrics.ScoringMetrics;
import io.shardscore.job.plugin.ShardscorePlugin;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.s3.S3Server;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.security.alias.CredentialProvider;
import org.apache.hadoop.security.alias.CredentialProviderFactory;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * shardscore on a Spark standalone cluster of separate JVMs (one master, two workers, started once
 * for the suite from the Maven jars) reading and writing {@code s3a://} on S3Proxy. The S3 keys
 * live in a Hadoop credential store (JCEKS) that the configuration only names, as on a real
 * cluster.
 */
@Tag("cluster")
class ClusterIT {
  private static final long ROWS = 200_000;
  private static final String RANGES = "0-99999,100000-MAX";
  private static final long ROWS_PER_PARTITION = 8_000;

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  static Path dir;

  static S3Server s3;
  static StandaloneCluster cluster;
  static Path appJar;
  static Path credentials;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3Server.start(dir.resolve("s3"));
    s3.createBucket("lake");
    credentials = credentialStore(dir.resolve("s3.jceks"));
    appJar = StandaloneCluster.appJar();

    Path local = dir.resolve("local");
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    try {
      DemoData.frame(spark, ROWS, 4, true).write().parquet(local.resolve("customers").toString());
    } finally {
      StandaloneCluster.stopSession(spark);
    }
    DemoModel.write(local.resolve("churn.onnx"));
    Configuration conf = hadoopConf();
    FileSystem fs = new org.apache.hadoop.fs.Path("s3a://lake/").getFileSystem(conf);
    FileUtil.copy(
        new File(local.resolve("customers").toString()),
        fs,
        new org.apache.hadoop.fs.Path("s3a://lake/customers"),
        false,
        conf);
    FileUtil.copy(
        new File(local.resolve("churn.onnx").toString()),
        fs,
        new org.apache.hadoop.fs.Path("s3a://lake/models/churn.onnx"),
        false,
        conf);

    cluster =
        StandaloneCluster.start(
            dir.resolve("cluster"), StandaloneCluster.Workers.plain(2, Map.of()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /** A JCEKS store holding the S3 keys, read through Hadoop's credential provider API. */
  private static Path credentialStore(Path file) throws Exception {
    Configuration conf = new Configuration(false);
    conf.set(CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH, "jceks://file" + file);
    CredentialProvider provider = CredentialProviderFactory.getProviders(conf).get(0);
    provider.createCredentialEntry("fs.s3a.access.key", S3Server.ACCESS_KEY.toCharArray());
    provider.createCredentialEntry("fs.s3a.secret.key", S3Server.SECRET_KEY.toCharArray());
    provider.flush();
    return file;
  }

  /** The s3a settings every JVM of a run gets: where the store is, and where the keys are. */
  private static Map<String, String> s3a() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("fs.s3a.endpoint", s3.endpoint());
    s.put("fs.s3a.endpoint.region", "us-east-1");
    s.put("fs.s3a.path.style.access", "true");
    s.put("fs.s3a.connection.ssl.enabled", "false");
    s.put("hadoop.security.credential.provider.path", "jceks://file" + credentials);
    S3Server.failFast("lake")
        .forEach((k, v) -> s.put(k.replace("fs.s3a.bucket.lake.", "fs.s3a."), v));
    return s;
  }

  private static Configuration hadoopConf() {
    Configuration conf = new Configuration();
    s3a().forEach(conf::set);
    return conf;
  }

  private static String read(String uri) throws Exception {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    try (InputStream in = p.getFileSystem(hadoopConf()).open(p)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private static List<String> files(String uri) throws Exception {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    List<String> out = new ArrayList<>();
    for (FileStatus s : p.getFileSystem(hadoopConf()).listStatus(p)) {
      out.add(s.getPath().toString());
    }
    return out;
  }

  /** A driver in this JVM on the cluster; executors load shardscore from the application jar. */
  private static SparkSession driver(String name, Map<String, String> extra) {
    SparkSession.Builder b =
        SparkSession.builder()
            .master(cluster.url())
            .appName(name)
            .config("spark.jars", appJar.toString())
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.executor.memory", "1g")
            .config("spark.executor.cores", "1")
            .config(
                "spark.executor.extraJavaOptions",
                "-Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true")
            .config("spark.executorEnv.DJL_OFFLINE", "true");
    s3a().forEach((k, v) -> b.config("spark.hadoop." + k, v));
    extra.forEach(b::config);
    return b.getOrCreate();
  }

  private static ScoreResult score(SparkSession spark, String output) {
    return Shardscore.job(spark)
        .input("s3a://lake/customers")
        .shardByRanges("customer_id", RANGES)
        .maxRowsPerPartition(ROWS_PER_PARTITION)
        .model("s3a://lake/models/churn.onnx", DemoData.FEATURES)
        .output(output)
        .mode(OutputMode.OVERWRITE)
        .execute();
  }

  @Test
  void theShadedJarRunsUnderSparkSubmitOnTheClusterAgainstS3() throws Exception {
    Path job = dir.resolve("job.yaml");
    Files.writeString(
        job,
        "input: {path: 's3a://lake/customers'}\n"
            + "output: {path: 's3a://lake/scores'}\n"
            + "sharding: {key: customer_id, ranges: '"
            + RANGES
            + "', max-rows-per-partition: "
            + ROWS_PER_PARTITION
            + "}\n"
            + "model:\n  path: 's3a://lake/models/churn.onnx'\n  features:\n"
            + DemoData.FEATURES.stream().map(f -> "    - " + f + "\n").reduce("", String::concat));
    List<String> args =
        new ArrayList<>(
            List.of(
                "--master", cluster.url(), "--deploy-mode", "client", "--executor-memory", "1g"));
    s3a().forEach((k, v) -> args.addAll(List.of("--conf", "spark.hadoop." + k + "=" + v)));
    args.addAll(List.of(appJar.toString(), "run", "--config", job.toString()));
    String out =
        SparkSubmitProcess.runAndCommit(
            cluster.home().resolve("conf") + File.pathSeparator + cluster.home() + "/jars/*",
            List.of(
                "-Dlog4j2.configurationFile=" + cluster.home().resolve("conf/log4j2.properties")),
            Map.of("SPARK_HOME", cluster.home().toString()),
            dir.resolve("spark-submit.log"),
            args);

    // One commit: one JSON report and its HTML page, side by side.
    List<String> written = files("s3a://lake/scores/_shardscore/reports");
    List<String> reports = written.stream().filter(f -> f.endsWith(".json")).toList();
    assertEquals(1, reports.size(), written.toString());
    assertTrue(
        written.contains(reports.get(0).replaceAll("\\.json$", ".html")), written.toString());
    String reportText = read(reports.get(0));
    JsonNode report = new ObjectMapper().readTree(reportText);
    assertEquals(ROWS, report.path("rowsIn").asLong());
    assertTrue(report.path("tasks").asInt() >= 20, "at least 20 tasks: " + report);
    JsonNode loads = report.path("modelLoadsByExecutor");
    System.out.printf(
        "observed: spark-submit on the cluster: %d tasks, model loads %s, %d ms%n",
        report.path("tasks").asInt(), loads, report.path("elapsedMillis").asLong());
    assertEquals(2, loads.size(), "two executors scored: " + loads);
    loads.forEach(n -> assertEquals(1, n.asInt(), "one model load per executor: " + loads));
    String manifest = read("s3a://lake/scores/_shardscore/manifest.json");
    for (String text :
        List.of(
            out,
            reportText,
            manifest,
            String.join("", cluster.logs().stream().map(ClusterIT::text).toList()))) {
      assertFalse(text.contains(S3Server.SECRET_KEY), "the secret key is never written");
      assertFalse(text.contains(S3Server.ACCESS_KEY), "the access key is never written");
    }
  }

  /**
   * A LightGBM model (trained here with lightgbmlib on the demo's 20 features) scored on the
   * cluster from {@code s3a://}: each executor JVM loads it once, from the natives in the
   * application jar, whatever the number of its tasks.
   */
  @Test
  void aLightGbmModelLoadsOncePerExecutor() throws Exception {
    int width = DemoData.WIDTH;
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    float[] x = new float[2000 * width];
    float[] y = new float[2000];
    for (int r = 0; r < 2000; r++) {
      for (int c = 0; c < width; c++) {
        x[r * width + c] = (float) (random.nextDouble() * 100);
      }
      y[r] = x[r * width] > x[r * width + 1] ? 1 : 0;
    }
    Path model = dir.resolve("lgbm/model.txt");
    Files.createDirectories(model.getParent());
    try (io.shardscore.model.lightgbm.LightGbmTrainer t =
        io.shardscore.model.lightgbm.LightGbmTrainer.train(
            x, y, width, "objective=binary num_leaves=15", 20)) {
      t.save(model);
    }
    Configuration conf = hadoopConf();
    FileUtil.copy(
        new File(model.toString()),
        new org.apache.hadoop.fs.Path("s3a://lake/models/").getFileSystem(conf),
        new org.apache.hadoop.fs.Path("s3a://lake/models/churn-lgbm/model.txt"),
        false,
        conf);
    SparkSession spark = driver("shardscore-lightgbm", Map.of());
    try {
      ScoreResult r =
          Shardscore.job(spark)
              .input("s3a://lake/customers")
              .shardByRanges("customer_id", RANGES)
              .maxRowsPerPartition(ROWS_PER_PARTITION)
              .model("s3a://lake/models/churn-lgbm/model.txt", DemoData.FEATURES)
              .output("s3a://lake/lgbm-scores")
              .mode(OutputMode.OVERWRITE)
              .execute();
      Map<String, Integer> executors = new java.util.TreeMap<>(r.modelLoadsByExecutor());
      executors.remove("driver");
      System.out.printf(
          "observed: LightGBM on the cluster: %d tasks, model loads %s%n",
          r.tasks(), r.modelLoadsByExecutor());
      assertEquals(ROWS, r.rowsScored() + r.rowsRejected());
      assertTrue(r.tasks() >= 20, "at least 20 tasks: " + r.tasks());
      assertEquals(2, executors.size(), "two executors scored: " + executors);
      executors.values().forEach(n -> assertEquals(1, n, "one load per executor: " + executors));
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }

  /**
   * An XGBoost UBJ model and a TorchScript model (written here by Debian's python3-xgboost and
   * python3-torch on six features) scored on the cluster from {@code s3a://}: each executor JVM
   * loads each model once. libtorch reaches the executors as the site would ship it, a second jar
   * in {@code spark.jars} next to the application jar.
   */
  @Test
  void xgboostAndTorchScriptModelsLoadOncePerExecutor() throws Exception {
    Path xgb = io.shardscore.job.PythonModels.xgboost(dir.resolve("xgb"));
    Path torch = io.shardscore.job.PythonModels.torchScript(dir.resolve("torch"));
    Configuration conf = hadoopConf();
    FileSystem fs = new org.apache.hadoop.fs.Path("s3a://lake/").getFileSystem(conf);
    Map<String, Path> models =
        new java.util.LinkedHashMap<>(
            Map.of(
                "s3a://lake/models/credit/model.ubj", xgb.resolve("model.ubj"),
                "s3a://lake/models/churn-torch/model.pt", torch.resolve("model.pt")));
    for (Map.Entry<String, Path> m : models.entrySet()) {
      FileUtil.copy(
          new File(m.getValue().toString()),
          fs,
          new org.apache.hadoop.fs.Path(m.getKey()),
          false,
          conf);
    }
    Path libtorch = StandaloneCluster.libtorchJar();
    SparkSession spark =
        driver("shardscore-xgboost-torch", Map.of("spark.jars", appJar + "," + libtorch));
    try {
      // The report counts loads per executor JVM since it started (the first job's loads are in
      // the second's figures): each job must add exactly one load on each executor.
      Map<String, Integer> before = Map.of();
      for (String model : models.keySet()) {
        ScoreResult r =
            Shardscore.job(spark)
                .input("s3a://lake/customers")
                .shardByRanges("customer_id", RANGES)
                .maxRowsPerPartition(ROWS_PER_PARTITION)
                .model(model, DemoData.FEATURES.subList(0, 6))
                .output("s3a://lake/scores-" + model.hashCode())
                .mode(OutputMode.OVERWRITE)
                .execute();
        Map<String, Integer> executors = new java.util.TreeMap<>(r.modelLoadsByExecutor());
        executors.remove("driver");
        System.out.printf(
            "observed: %s on the cluster: %d tasks, model loads %s%n",
            model, r.tasks(), r.modelLoadsByExecutor());
        assertEquals(ROWS, r.rowsScored() + r.rowsRejected(), model);
        assertTrue(r.rowsScored() > ROWS / 2, model + " scored most rows: " + r.rowsScored());
        assertTrue(r.tasks() >= 20, "at least 20 tasks: " + r.tasks());
        assertEquals(2, executors.size(), model + ": two executors scored: " + executors);
        for (Map.Entry<String, Integer> e : executors.entrySet()) {
          assertEquals(
              before.getOrDefault(e.getKey(), 0) + 1,
              e.getValue(),
              model + ": one load per executor: " + executors + " after " + before);
        }
        before = executors;
      }
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }

  @Test
  void aTextModelFolderFromS3aLoadsOncePerExecutorAndEqualsPyTorch() throws Exception {
    Path made = io.shardscore.job.PythonModels.text(dir.resolve("text"));
    Configuration conf = hadoopConf();
    FileSystem fs = new org.apache.hadoop.fs.Path("s3a://lake/").getFileSystem(conf);
    // A DJL model folder: serving.properties names the engine and the file; synset.txt the classes.
    Path folder = Files.createDirectories(dir.resolve("reviews-folder"));
    Files.copy(made.resolve("text_mask.onnx"), folder.resolve("reviews.onnx"));
    Files.copy(made.resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
    Files.writeString(folder.resolve("synset.txt"), "negative\npositive\n");
    Files.writeString(
        folder.resolve("serving.properties"), "engine=OnnxRuntime\noption.modelName=reviews\n");
    for (String file :
        List.of("reviews.onnx", "tokenizer.json", "synset.txt", "serving.properties")) {
      FileUtil.copy(
          new File(folder.resolve(file).toString()),
          fs,
          new org.apache.hadoop.fs.Path("s3a://lake/models/reviews/" + file),
          false,
          conf);
    }
    List<String> texts = new ArrayList<>();
    List<String> lines = Files.readAllLines(made.resolve("texts.csv"));
    for (String line : lines.subList(1, lines.size())) {
      texts.add(line.substring(line.indexOf(',') + 1).replace("\"", ""));
    }
    List<String> expected = Files.readAllLines(made.resolve("expected.csv"));
    // The run's job file, read by every executor's plugin at start: the warm-up loads the model as
    // the run names it (folder files, tokenizer, class names and text settings in one registry
    // key).
    Files.writeString(
        dir.resolve("reviews-job.yaml"),
        String.join(
            "\n",
            "input: {path: s3a://lake/reviews}",
            "sharding: {key: customer_id, ranges: \"0-499,500-999,1000-1499,1500-1999\"}",
            "model:",
            "  path: s3a://lake/models/reviews",
            "  text: {column: review, max-length: 8, attention-mask: true}",
            "output: {path: s3a://lake/review-scores}",
            ""));
    FileUtil.copy(
        new File(dir.resolve("reviews-job.yaml").toString()),
        fs,
        new org.apache.hadoop.fs.Path("s3a://lake/jobs/reviews.yaml"),
        false,
        conf);
    Map<String, String> warmup = new LinkedHashMap<>();
    warmup.put("spark.plugins", ShardscorePlugin.class.getName());
    warmup.put(ShardscorePlugin.WARMUP_JOB, "s3a://lake/jobs/reviews.yaml");
    // An ONNX model: no libtorch, so the tokenizer's natives come from the application jar alone.
    SparkSession spark = driver("shardscore-text", warmup);
    try {
      List<Row> rows = new ArrayList<>();
      int n = 2_000;
      for (int i = 0; i < n; i++) {
        rows.add(org.apache.spark.sql.RowFactory.create((long) i, texts.get(i % texts.size())));
      }
      org.apache.spark.sql.types.StructType schema =
          new org.apache.spark.sql.types.StructType()
              .add("customer_id", org.apache.spark.sql.types.DataTypes.LongType, false)
              .add("review", org.apache.spark.sql.types.DataTypes.StringType, false);
      spark.createDataFrame(rows, schema).repartition(4).write().parquet("s3a://lake/reviews");
      ScoreResult r =
          Shardscore.job(spark)
              .input("s3a://lake/reviews")
              .shardByRanges("customer_id", "0-499,500-999,1000-1499,1500-1999")
              .maxRowsPerPartition(100)
              .textModel(
                  "s3a://lake/models/reviews",
                  io.shardscore.job.config.TextConfig.column("review")
                      .maxLength(8)
                      .attentionMask(true))
              .output("s3a://lake/review-scores")
              .mode(OutputMode.OVERWRITE)
              .execute();
      Map<String, Integer> executors = new java.util.TreeMap<>(r.modelLoadsByExecutor());
      executors.remove("driver");
      System.out.printf(
          "observed: text model on the cluster: %d tasks, model loads %s%n",
          r.tasks(), r.modelLoadsByExecutor());
      assertEquals(n, r.rowsScored());
      assertTrue(r.tasks() >= 20, "at least 20 tasks: " + r.tasks());
      assertEquals(2, executors.size(), "two executors scored: " + executors);
      for (Map.Entry<String, Integer> e : executors.entrySet()) {
        assertEquals(1, e.getValue(), "one load per executor JVM: " + executors);
      }
      // Each executor loaded the run's model (its digest) when it started; with one load each, the
      // tasks found that same model in the registry instead of loading another.
      String digest = r.dataset().select("model_digest").first().getString(0);
      Map<String, String> logs = executorLogs(spark.sparkContext().applicationId());
      assertEquals(2, logs.size(), "two executor logs: " + logs.keySet());
      for (Map.Entry<String, String> log : logs.entrySet()) {
        assertTrue(
            log.getValue()
                .contains("Warmed model s3a://lake/models/reviews/reviews.onnx (" + digest),
            log.getKey() + " warmed the run's model " + digest + ":\n" + log.getValue());
      }
      for (Row row :
          r.dataset().select("customer_id", "probabilities", "label_name").collectAsList()) {
        int id = (int) (row.getLong(0) % texts.size());
        double p1 = Double.parseDouble(expected.get(id + 1).split(",")[3]);
        List<Float> p = row.getList(1);
        assertEquals(p1, p.get(1), 1e-5, "customer " + row.getLong(0) + ": " + texts.get(id));
        assertEquals(p1 > 0.5 ? "positive" : "negative", row.getString(2));
      }
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }

  /** The stderr files of the application's executors, by executor folder. */
  private static Map<String, String> executorLogs(String application) throws java.io.IOException {
    Map<String, String> logs = new java.util.TreeMap<>();
    try (java.util.stream.Stream<Path> files = Files.walk(dir.resolve("cluster"))) {
      for (Path f :
          files
              .filter(p -> p.getFileName().toString().equals("stderr"))
              .filter(p -> p.getParent().getParent().getFileName().toString().equals(application))
              .toList()) {
        logs.put(f.getParent().getFileName().toString(), Files.readString(f));
      }
    }
    return logs;
  }

  private static String text(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** The plugin, with the driver's Prometheus endpoint on its UI (on a free port of 127.0.0.1). */
  private static Map<String, String> liveMetrics() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.plugins", ShardscorePlugin.class.getName());
    conf.put("spark.ui.enabled", "true");
    conf.put("spark.ui.port", "0");
    conf.put("spark.driver.bindAddress", "127.0.0.1");
    conf.put(
        "spark.metrics.conf.*.sink.prometheusServlet.class",
        "org.apache.spark.metrics.sink.PrometheusServlet");
    conf.put("spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus");
    return conf;
  }

  /**
   * The plugin's live metrics, summed on the driver from every executor's task reports, read over
   * HTTP from the running driver's Prometheus endpoint once the job returned (every task reported
   * before returning its result): in a run without failed tasks or resubmitted stages they equal
   * the committed counts; after {@code retries} (an executor that dynamic allocation removed while
   * its shuffle files were still read) they may only exceed them.
   */
  private static void assertLiveMetrics(SparkSession spark, ScoreResult r, List<String> retries)
      throws Exception {
    String url = spark.sparkContext().uiWebUrl().get() + "/metrics/prometheus/";
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), url);
    String text = response.body();
    String prefix =
        "metrics_"
            + spark.sparkContext().applicationId().replaceAll("[^a-zA-Z0-9]", "_")
            + "_driver_plugin_"
            + ShardscorePlugin.class.getName().replace('.', '_')
            + "_";
    long loads = r.modelLoadsByExecutor().values().stream().mapToLong(Integer::longValue).sum();
    System.out.printf(
        "observed: driver metrics %s: rows scored %d, rejected %d, batches %d, loads %d%n",
        url,
        counter(text, prefix, ScoringMetrics.ROWS_SCORED),
        counter(text, prefix, ScoringMetrics.ROWS_REJECTED),
        counter(text, prefix, ScoringMetrics.BATCHES),
        counter(text, prefix, ScoringMetrics.MODEL_LOADS));
    assertTrue(r.rowsRejected() > 0, r.toString());
    assertEquals(0, counter(text, prefix, ScoringMetrics.OOM_HALVINGS));
    long[][] liveAndCommitted = {
      {counter(text, prefix, ScoringMetrics.ROWS_SCORED), r.rowsScored()},
      {counter(text, prefix, ScoringMetrics.ROWS_REJECTED), r.rowsRejected()},
      {counter(text, prefix, ScoringMetrics.BATCHES), r.batches()},
      {counter(text, prefix, ScoringMetrics.TASKS), r.tasks()},
      {counter(text, prefix, ScoringMetrics.MODEL_LOADS), loads}
    };
    for (long[] c : liveAndCommitted) {
      if (retries.isEmpty()) {
        assertEquals(c[1], c[0], "live count equals the committed count");
      } else {
        System.out.println("observed: retries " + retries + ": live counts may exceed");
        assertTrue(c[0] >= c[1], "live " + c[0] + " >= committed " + c[1] + "; " + retries);
      }
    }
  }

  /** The value of counter {@code name} in Prometheus text, failing with the text if absent. */
  private static long counter(String text, String prefix, String name) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(prefix + name + "_Count") + "\\{[^}]*\\} (\\d+)$")
            .matcher(text);
    assertTrue(m.find(), "no counter " + prefix + name + "_Count in:\n" + text);
    return Long.parseLong(m.group(1));
  }

  @Test
  void aKilledExecutorCostsNoRowAndDuplicatesNone() throws Exception {
    Set<Integer> scoringStages = ConcurrentHashMap.newKeySet();
    AtomicInteger started = new AtomicInteger();
    List<String> killed = new CopyOnWriteArrayList<>();
    List<String> removed = new CopyOnWriteArrayList<>();
    SparkSession spark = driver("shardscore-executor-kill", Map.of());
    try {
      spark
          .sparkContext()
          .addSparkListener(
              new SparkListener() {
                @Override
                public void onStageSubmitted(SparkListenerStageSubmitted e) {
                  if (e.stageInfo().numTasks() >= 20) {
                    scoringStages.add(e.stageInfo().stageId());
                  }
                }

                @Override
                public void onTaskStart(SparkListenerTaskStart e) {
                  if (scoringStages.contains(e.stageId())
                      && started.incrementAndGet() == 5
                      && killed.isEmpty()) {
                    String id = e.taskInfo().executorId();
                    cluster
                        .executorProcess(id)
                        .ifPresent(
                            ph -> {
                              killed.add(id + " (pid " + ph.pid() + ")");
                              ph.destroyForcibly();
                            });
                  }
                }

                @Override
                public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
                  removed.add(e.executorId() + ": " + e.reason());
                }
              });
      ScoreResult r = score(spark, "s3a://lake/kill-scores");
      ListenerEvents.drain(spark.sparkContext());
      System.out.println("observed: killed executor " + killed + ", removed " + removed);
      assertEquals(1, killed.size(), "an executor was killed mid-job");
      assertFalse(removed.isEmpty(), "the driver saw the executor loss");
      Dataset<Row> scored = Shardscore.read(spark, "s3a://lake/kill-scores");
      long rows = scored.count();
      long distinct = scored.select("customer_id").distinct().count();
      long errors = Shardscore.readErrors(spark, "s3a://lake/kill-scores").count();
      System.out.printf(
          "observed: rows in %d, scored %d, distinct %d, errors %d%n",
          ROWS, rows, distinct, errors);
      assertEquals(rows, distinct, "no duplicates");
      assertEquals(ROWS, rows + errors, "every row scored or in errors");
      assertEquals(ROWS, r.rowsIn());
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }

  /**
   * Also reads the plugin's live metrics from the driver while the application runs, here to spend
   * no extra job on them.
   */
  @Test
  void executorsComeWithTheBacklogAndGoWhenIdle() throws Exception {
    AtomicInteger live = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    List<String> events = new CopyOnWriteArrayList<>();
    Object removal = new Object();
    List<String> retries = new CopyOnWriteArrayList<>();
    Map<String, String> dynamic = liveMetrics();
    dynamic.put("spark.dynamicAllocation.enabled", "true");
    dynamic.put("spark.dynamicAllocation.shuffleTracking.enabled", "true");
    dynamic.put("spark.dynamicAllocation.shuffleTracking.timeout", "5s");
    dynamic.put("spark.dynamicAllocation.minExecutors", "0");
    dynamic.put("spark.dynamicAllocation.initialExecutors", "0");
    dynamic.put("spark.dynamicAllocation.maxExecutors", "2");
    dynamic.put("spark.dynamicAllocation.executorIdleTimeout", "3s");
    dynamic.put("spark.dynamicAllocation.cachedExecutorIdleTimeout", "3s");
    dynamic.put("spark.dynamicAllocation.schedulerBacklogTimeout", "1s");
    dynamic.put("spark.dynamicAllocation.sustainedSchedulerBacklogTimeout", "1s");
    SparkSession spark = driver("shardscore-dynamic-allocation", dynamic);
    try {
      spark
          .sparkContext()
          .addSparkListener(
              new SparkListener() {
                @Override
                public void onExecutorAdded(SparkListenerExecutorAdded e) {
                  int n = live.incrementAndGet();
                  peak.accumulateAndGet(n, Math::max);
                  events.add("+" + e.executorId() + "=" + n);
                }

                @Override
                public void onStageSubmitted(SparkListenerStageSubmitted e) {
                  if (e.stageInfo().attemptNumber() > 0) {
                    retries.add("stage " + e.stageInfo().stageId() + " resubmitted");
                  }
                }

                @Override
                public void onTaskEnd(SparkListenerTaskEnd e) {
                  if (!e.taskInfo().successful()) {
                    retries.add("task " + e.taskInfo().id() + ": " + e.reason());
                  }
                }

                @Override
                public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
                  events.add("-" + e.executorId() + "=" + live.decrementAndGet());
                  synchronized (removal) {
                    removal.notifyAll();
                  }
                }
              });
      assertEquals(0, live.get(), "no executors before the job");
      long start = System.nanoTime();
      ScoreResult r = score(spark, "s3a://lake/elastic-scores");
      long scored = System.nanoTime();
      ListenerEvents.drain(spark.sparkContext());
      assertLiveMetrics(spark, r, retries);
      long deadline = scored + TimeUnit.SECONDS.toNanos(90);
      // Woken by each removal (no polling); the deadline only ends a wait that would fail.
      synchronized (removal) {
        while (live.get() > 0 && deadline - System.nanoTime() > 0) {
          TimeUnit.NANOSECONDS.timedWait(removal, deadline - System.nanoTime());
        }
      }
      ListenerEvents.drain(spark.sparkContext());
      System.out.printf(
          "observed: executors %s; job %.1f s, back to 0 after %.1f s%n",
          events, (scored - start) / 1e9, (System.nanoTime() - scored) / 1e9);
      assertEquals(2, peak.get(), "scaled up to the maximum of 2: " + events);
      assertEquals(0, live.get(), "scaled back to 0 when idle: " + events);
    } finally {
      StandaloneCluster.stopSession(spark);
    }
  }
}

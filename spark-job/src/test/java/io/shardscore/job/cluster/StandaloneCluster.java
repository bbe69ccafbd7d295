package io.shardscore.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster of separate JVMs on 127.0.0.1, started from the Maven jars: a folder
 * whose {@code jars/} links Spark's runtime classpath (with hadoop-aws and the AWS SDK, as a Spark
 * build with hadoop-cloud ships them; without shardscore, which arrives in the application jar)
 * serves as {@code SPARK_HOME}. One master, N workers, each a child process of this JVM, so a test
 * can find an executor's process and kill it.
 */
public final class StandaloneCluster implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path home;
  private final int masterPort;
  private final int masterUiPort;
  private final Process master;
  private final List<Process> workers = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  /** How the workers are set up. */
  public record Workers(
      int count, int cores, String memory, Map<String, String> env, List<String> properties) {
    public static Workers plain(int count, Map<String, String> env) {
      return new Workers(count, 1, "1536m", env, List.of());
    }
  }

  private StandaloneCluster(Path home, int masterPort, int masterUiPort, Process master) {
    this.home = home;
    this.masterPort = masterPort;
    this.masterUiPort = masterUiPort;
    this.master = master;
  }

  /** Starts a master and the workers under {@code dir}; returns once all workers are ALIVE. */
  public static StandaloneCluster start(Path dir, Workers spec) throws Exception {
    Path home = sparkHome(dir.resolve("spark-home"));
    int port = freePort();
    int ui = freePort();
    Process master =
        launch(
            home,
            dir.resolve("master.log"),
            Map.of(),
            List.of("-Dspark.master.rest.enabled=false"),
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            String.valueOf(port),
            "--webui-port",
            String.valueOf(ui));
    StandaloneCluster cluster = new StandaloneCluster(home, port, ui, master);
    cluster.logs.add(dir.resolve("master.log"));
    try {
      for (int i = 0; i < spec.count(); i++) {
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        Path log = dir.resolve("worker-" + i + ".log");
        cluster.logs.add(log);
        cluster.workers.add(
            launch(
                home,
                log,
                spec.env(),
                spec.properties(),
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                String.valueOf(spec.cores()),
                "--memory",
                spec.memory(),
                "--work-dir",
                work.toString(),
                "--webui-port",
                String.valueOf(freePort()),
                cluster.url()));
      }
      // Generous: on a loaded 2-core machine a worker JVM has taken over a minute to register. The
      // wait fails early when a process exits, so a real failure does not wait this long.
      cluster.awaitWorkers(spec.count(), Duration.ofMinutes(5));
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  public String url() {
    return "spark://127.0.0.1:" + masterPort;
  }

  public Path home() {
    return home;
  }

  /** The master's view of the cluster (its JSON status page). */
  public JsonNode status() throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private void awaitWorkers(int count, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (status().path("aliveworkers").asInt() >= count) {
          return;
        }
      } catch (IOException notYet) {
        // the master's page is not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            count + " workers did not register within " + timeout + "; see " + logs);
      }
      if (!master.isAlive()) {
        throw new IllegalStateException("the master exited; see " + logs.get(0));
      }
      for (int i = 0; i < workers.size(); i++) {
        if (!workers.get(i).isAlive()) {
          throw new IllegalStateException("worker " + i + " exited; see " + logs.get(i + 1));
        }
      }
      Thread.sleep(250);
    }
  }

  /**
   * The executor JVM with Spark executor id {@code executorId}, found among the workers' children.
   */
  public Optional<ProcessHandle> executorProcess(String executorId) {
    return workers.stream()
        .flatMap(w -> w.toHandle().descendants())
        .filter(
            p -> {
              String[] args = p.info().arguments().orElse(new String[0]);
              int i = Arrays.asList(args).indexOf("--executor-id");
              return i >= 0 && i + 1 < args.length && args[i + 1].equals(executorId);
            })
        .findFirst();
  }

  /** Executor JVMs running now. */
  public long executorProcesses() {
    return workers.stream()
        .flatMap(w -> w.toHandle().descendants())
        .filter(
            p ->
                Arrays.asList(p.info().arguments().orElse(new String[0])).contains("--executor-id"))
        .count();
  }

  public List<Path> logs() {
    return List.copyOf(logs);
  }

  @Override
  public void close() {
    for (Process w : workers) {
      w.descendants().forEach(ProcessHandle::destroyForcibly);
      w.destroyForcibly();
    }
    master.destroyForcibly();
    for (Process p : workers) {
      waitQuietly(p);
    }
    waitQuietly(master);
  }

  private static void waitQuietly(Process p) {
    try {
      p.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Process launch(
      Path home,
      Path log,
      Map<String, String> env,
      List<String> properties,
      String mainClass,
      String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.addAll(opens());
    cmd.add("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.properties"));
    cmd.addAll(properties);
    cmd.add("-cp");
    cmd.add(home.resolve("conf") + File.pathSeparator + home.resolve("jars") + "/*");
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Map<String, String> e = pb.environment();
    e.put("SPARK_HOME", home.toString());
    e.put("SPARK_LOCAL_IP", "127.0.0.1");
    e.put("SPARK_SCALA_VERSION", "2.13");
    e.put("JAVA_HOME", System.getProperty("java.home"));
    e.put("DJL_OFFLINE", "true");
    e.put("OPT_OUT_TRACKING", "true");
    e.putAll(env);
    return pb.start();
  }

  /** Spark's module flags for Java 17, as the build passes them to tests. */
  static List<String> opens() {
    List<String> out = new ArrayList<>();
    for (String a : System.getProperty("shardscore.it.opens", "").split(" ")) {
      if (!a.isBlank()) {
        out.add(a);
      }
    }
    return out;
  }

  /**
   * The runtime classpath of a cluster where Spark is provided: Spark, Hadoop and the s3a
   * connector, without shardscore and its own dependencies (those travel in the application jar).
   */
  public static List<String> providedClasspath() throws IOException {
    Path list = Paths.get("target", "launcher-classpath.txt");
    List<String> out = new ArrayList<>();
    for (String e : Files.readString(list).trim().split(File.pathSeparator)) {
      if (!e.contains("shardscore-")
          && !e.contains("/ai/djl/")
          && !e.contains("onnxruntime")
          && !e.contains("/com/microsoft/ml/lightgbm/")
          && !e.contains("picocli")
          && !e.contains("tribuo")) {
        out.add(e);
      }
    }
    return out;
  }

  /** The shaded application jar this build made ({@code target/*-app.jar}). */
  public static Path appJar() throws IOException {
    try (java.util.stream.Stream<Path> jars = Files.list(Paths.get("target"))) {
      return jars.filter(p -> p.getFileName().toString().endsWith("-app.jar"))
          .findFirst()
          .orElseThrow(() -> new IOException("no *-app.jar in target/: run mvn package first"))
          .toAbsolutePath();
    }
  }

  /**
   * libtorch's jar ({@code pytorch-native-cpu}, provided, so on the test class path but not in the
   * application jar): what a site adds with {@code --jars} for TorchScript models.
   */
  public static Path libtorchJar() {
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .filter(p -> p.getFileName().toString().startsWith("pytorch-native-cpu-"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("pytorch-native-cpu on the test class path"));
  }

  /** Stops a driver session so that the next test can start another in this JVM. */
  public static void stopSession(org.apache.spark.sql.SparkSession spark) {
    spark.stop();
    org.apache.spark.sql.SparkSession.clearActiveSession();
    org.apache.spark.sql.SparkSession.clearDefaultSession();
  }

  private static Path sparkHome(Path home) throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : providedClasspath()) {
      Path jar = Paths.get(entry);
      Path link = jars.resolve(jar.getFileName());
      if (entry.endsWith(".jar") && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, jar.toAbsolutePath());
      }
    }
    Path conf = Files.createDirectories(home.resolve("conf"));
    Map<String, String> log = new LinkedHashMap<>();
    log.put("rootLogger.level", "warn");
    log.put("rootLogger.appenderRef.stderr.ref", "console");
    log.put("appender.console.type", "Console");
    log.put("appender.console.name", "console");
    log.put("appender.console.target", "SYSTEM_ERR");
    log.put("appender.console.layout.type", "PatternLayout");
    log.put("appender.console.layout.pattern", "%d{HH:mm:ss.SSS} %-5p %c{1}: %m%n");
    log.put("logger.shardscore.name", "io.shardscore");
    log.put("logger.shardscore.level", "info");
    log.put("logger.master.name", "org.apache.spark.deploy");
    log.put("logger.master.level", "info");
    StringBuilder sb = new StringBuilder();
    log.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
    Files.writeString(conf.resolve("log4j2.properties"), sb.toString());
    return home;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}

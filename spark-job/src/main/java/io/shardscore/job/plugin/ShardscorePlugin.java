package io.shardscore.job.plugin;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.metrics.ClusterMetrics;
import io.shardscore.job.metrics.ScoringMetrics;
import io.shardscore.job.metrics.TaskMetrics;
import io.shardscore.job.score.ModelBinding;
import io.shardscore.job.store.HadoopModelSource;
import io.shardscore.job.store.ModelLocation;
import io.shardscore.model.DeviceChoice;
import io.shardscore.model.DevicePolicy;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.resource.ResourceInformation;

/**
 * {@code spark.plugins=io.shardscore.job.plugin.ShardscorePlugin}: each executor can load the model
 * when it starts (before its first task) and closes every loaded model, releasing native engine
 * memory, when it shuts down.
 *
 * <ul>
 *   <li>{@code spark.shardscore.warmup.job} — a job file every executor can read (any Hadoop path:
 *       {@code s3a://}, {@code hdfs://}, or a local path present on every node): its {@code model}
 *       section is loaded exactly as the run names it (a DJL folder, a text model's tokenizer,
 *       class names, named inputs and outputs), on the device its {@code scoring.device} asks for
 *   <li>or, for a single model file fed one float vector: {@code spark.shardscore.warmup.model} —
 *       model URI; {@code spark.shardscore.warmup.features} — the model's input width (required
 *       with it); {@code spark.shardscore.warmup.device} — {@code cpu} (default), {@code gpu} or
 *       {@code auto}
 * </ul>
 *
 * <p>With gpu or auto, the model is loaded on each GPU Spark gave the executor.
 *
 * <p>It also publishes live scoring metrics ({@link ScoringMetrics}): each executor in its own
 * metrics source (for the executor's sinks), and the driver the sum over all executors (for the
 * driver's sinks, such as the Prometheus servlet of its UI). Executors report each scoring task to
 * the driver before the task returns its result.
 */
public final class ShardscorePlugin implements SparkPlugin {
  public static final String WARMUP_JOB = "spark.shardscore.warmup.job";
  public static final String WARMUP_MODEL = "spark.shardscore.warmup.model";
  public static final String WARMUP_FEATURES = "spark.shardscore.warmup.features";
  public static final String WARMUP_DEVICE = "spark.shardscore.warmup.device";

  @Override
  public DriverPlugin driverPlugin() {
    return new Driver();
  }

  /** The driver side: sums the executors' reports into cluster-wide live metrics. */
  static final class Driver implements DriverPlugin {
    private ClusterMetrics metrics;

    @Override
    public Map<String, String> init(SparkContext sc, PluginContext ctx) {
      metrics = new ClusterMetrics(ctx.metricRegistry());
      return Map.of();
    }

    @Override
    public Object receive(Object message) {
      TaskMetrics t = TaskMetrics.decode(message);
      if (t == null) {
        throw new IllegalArgumentException(
            "ShardscorePlugin's driver got a message it does not know: " + message);
      }
      metrics.add(t);
      return Boolean.TRUE;
    }
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new Executor();
  }

  /** The executor side: warm up, then clean up. */
  static final class Executor implements ExecutorPlugin {
    private static final Logger LOG = LogManager.getLogger(ShardscorePlugin.class);
    private ScoringMetrics metrics;

    @Override
    public void init(PluginContext ctx, Map<String, String> extraConf) {
      // ask, not send: the report has reached the driver when the task returns its result.
      metrics = ScoringMetrics.install(ctx.metricRegistry(), t -> report(ctx, t));
      SparkConf conf = ctx.conf();
      String job = conf.get(WARMUP_JOB, null);
      String model = conf.get(WARMUP_MODEL, null);
      if (job == null && model == null) {
        return;
      }
      try {
        if (job != null) {
          warmFromJob(ctx, conf, job);
        } else {
          warm(ctx, conf, model);
        }
      } catch (RuntimeException | IOException e) {
        // A failed warm-up costs only time: the first task loads the model (and fails clearly).
        LOG.warn(
            "Could not warm up model {} on executor {}: {}",
            job != null ? "of job file " + job : model,
            ctx.executorID(),
            e);
      }
    }

    private static void report(PluginContext ctx, TaskMetrics t) {
      try {
        ctx.ask(t.encode());
      } catch (Exception e) {
        throw new IllegalStateException("the driver did not take the report: " + e, e);
      }
    }

    /** Loads the model of the job file at {@code job}, named as its run names it. */
    private static void warmFromJob(PluginContext ctx, SparkConf conf, String job)
        throws IOException {
      Configuration hadoop = SparkHadoopUtil.get().newConfiguration(conf);
      JobConfig cfg =
          JobConfigValidator.validateModelAndScoring(
              JobConfigReader.parse(readJobFile(job, hadoop), job));
      ModelSpec spec =
          ModelBinding.spec(ModelBinding.locate(cfg.model(), hadoop), cfg.model(), hadoop);
      load(ctx, conf, spec, cfg.scoring().devicePolicy(), "scoring.device of " + job, hadoop);
    }

    private static String readJobFile(String job, Configuration hadoop) throws IOException {
      Path path = new Path(job);
      try (FSDataInputStream in = path.getFileSystem(hadoop).open(path)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    private static void warm(PluginContext ctx, SparkConf conf, String model) throws IOException {
      int features = conf.getInt(WARMUP_FEATURES, -1);
      if (features < 1) {
        throw new IllegalArgumentException(
            WARMUP_FEATURES
                + " is '"
                + conf.get(WARMUP_FEATURES, "")
                + "'; set it to the model's input width (the number of values model.features"
                + " feeds per row) to warm up "
                + model);
      }
      DevicePolicy policy = DevicePolicy.parse(conf.get(WARMUP_DEVICE, "cpu"));
      if (policy == null) {
        throw new IllegalArgumentException(
            WARMUP_DEVICE + " is '" + conf.get(WARMUP_DEVICE) + "'; use cpu, gpu or auto.");
      }
      Configuration hadoop = SparkHadoopUtil.get().newConfiguration(conf);
      ModelLocation location =
          ModelLocation.resolve(model, null, WARMUP_MODEL, hadoop, WARMUP_MODEL);
      if (location.folder() != null) {
        // A folder's files, class names and settings are the job's: warming it from the URI alone
        // would load another model than the run's (another digest), at the cost of a second load.
        throw new IllegalArgumentException(
            model
                + " is a model folder; set "
                + WARMUP_JOB
                + " to the run's job file instead of "
                + WARMUP_MODEL
                + ", so the warm-up loads the model exactly as the run names it.");
      }
      ModelSpec spec = ModelBinding.spec(model, location.engine(), features, hadoop, WARMUP_MODEL);
      load(ctx, conf, spec, policy, WARMUP_DEVICE, hadoop);
    }

    /** Loads {@code spec} on each device {@code policy} picks for this executor, then lets go. */
    private static void load(
        PluginContext ctx,
        SparkConf conf,
        ModelSpec spec,
        DevicePolicy policy,
        String deviceKey,
        Configuration hadoop) {
      HadoopModelSource source = ModelBinding.source(spec, hadoop);
      EngineSettings settings = EngineSettings.forTaskCpus(conf.getInt("spark.task.cpus", 1));
      ResourceInformation gpus = ctx.resources().get("gpu");
      List<String> addresses = gpus == null ? List.of() : Arrays.asList(gpus.addresses());
      List<List<String>> slots =
          policy == DevicePolicy.CPU || addresses.isEmpty()
              ? List.of(List.of())
              : addresses.stream().map(List::of).toList();
      for (List<String> slot : slots) {
        DeviceChoice choice =
            DeviceChoice.choose(
                policy, slot, spec.engine().gpuCount(), spec.engine().djlName(), deviceKey);
        // Loaded and released: the model stays loaded until another model needs the memory.
        ModelRegistry.acquire(spec, source, settings, choice).close();
        LOG.info(
            "Warmed model {} ({}) on executor {}: {}",
            spec.location(),
            spec.digest(),
            ctx.executorID(),
            choice.describe());
      }
    }

    @Override
    public void shutdown() {
      if (metrics != null) {
        metrics.uninstall();
      }
      ModelRegistry.closeAll();
    }
  }
}

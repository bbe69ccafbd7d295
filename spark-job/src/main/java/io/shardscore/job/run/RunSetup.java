package io.shardscore.job.run;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.config.ModelConfig;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.error.ShardscoreException;
import io.shardscore.job.plan.ShardKey;
import io.shardscore.job.plan.ShardPlanner;
import io.shardscore.job.score.GpuStageProfile;
import io.shardscore.job.score.ModelBinding;
import io.shardscore.job.store.ModelLocation;
import io.shardscore.job.store.PathOverlap;
import io.shardscore.job.store.SessionHadoopConf;
import io.shardscore.job.store.StorePaths;
import io.shardscore.model.ModelSpec;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;

/**
 * Every driver-side check of a run, once, in the order that fails cheapest first: the
 * configuration, the input and output apart, the output and its mode, the model (loaded once to
 * learn its widths), the input files' column types (from their Parquet footers), the input's schema
 * against the configuration, the shard plan and the shards named by {@code --shards}, and only then
 * the census over the input.
 */
public final class RunSetup {
  /** Spark's local property behind {@code setJobDescription}: a run puts the caller's back. */
  static final String JOB_DESCRIPTION = "spark.job.description";

  private RunSetup() {}

  /**
   * Prepares a run. {@code forExecution} false previews it as an incremental run would see it: an
   * existing output is accepted whatever the mode, and every shard is compared with its commit.
   */
  public static PreparedRun prepare(SparkSession spark, RunOptions options, boolean forExecution) {
    long started = System.currentTimeMillis();
    boolean frameInput = options.inputFrame() != null;
    JobConfig cfg = JobConfigValidator.validate(options.config(), frameInput);
    String run = options.runId() != null ? options.runId() : newRunId(started);
    Configuration hadoop = SessionHadoopConf.of(spark);
    GpuStageProfile.checkGpusRequested(cfg.scoring(), spark);

    if (!frameInput && !cfg.input().isTable()) {
      // Before the output is opened: an output that resolves into the input (or the other way
      // round, through a symbolic link, say) is refused as such, not as a foreign folder.
      PathOverlap.requireApart(
          StorePaths.qualify(cfg.input().path(), hadoop, "input.path"),
          StorePaths.qualify(cfg.output().path(), hadoop, "output.path"));
    }
    ModelConfig m = cfg.model();
    // A model file, or a folder in DJL's layout (serving.properties, synset.txt, other files).
    ModelLocation location = ModelBinding.locate(m, hadoop);
    if (location.folder() != null) {
      // Before the output is opened: none of the run's files may become files of the model.
      Path folder = StorePaths.qualify(location.folder(), hadoop, "model.path");
      PathOverlap.requireOutsideModelFolder(
          folder, StorePaths.qualify(cfg.output().path(), hadoop, "output.path"), "output.path");
      if (!frameInput && !cfg.input().isTable()) {
        PathOverlap.requireOutsideModelFolder(
            folder, StorePaths.qualify(cfg.input().path(), hadoop, "input.path"), "input.path");
      }
    }
    OutputMode mode = forExecution ? cfg.output().outputMode() : OutputMode.INCREMENTAL;
    OutputLocation output = OutputLocation.open(cfg.output().path(), mode, hadoop);
    OutputTables.requireRegistrable(spark, cfg, output);

    // The model is loaded once on the driver, before any input is read, to check its input width
    // (from model.features) and learn its output width.
    ModelSpec spec = ModelBinding.spec(location, m, hadoop);
    ModelBinding model = ModelBinding.probe(spec, hadoop, ModelBinding.inputsKey(m));

    // Columns: everything about the schema is checked before scoring starts. (Reading a Parquet
    // schema is itself one small Spark job.)
    InputSource input =
        frameInput
            ? InputSource.of(options.inputFrame())
            : cfg.input().isTable()
                ? InputSource.table(spark, cfg.input(), cfg.sharding().key())
                : InputSource.read(
                    spark, cfg.input(), cfg.sharding().key(), columnsRead(cfg), hadoop);
    RowLayouts rows =
        RowLayouts.bind(
            cfg, input.frame(), model.outputWidth(), model.labels(), model.tensorWidths());

    long censusStarted = System.currentTimeMillis();
    ShardPlan plan;
    String callersDescription = spark.sparkContext().getLocalProperty(JOB_DESCRIPTION);
    try {
      spark.sparkContext().setJobDescription("shardscore " + run + ": plan shards");
      plan =
          PlanCodec.reusable(
                  cfg.sharding(),
                  ShardKey.type(cfg.sharding().key(), input.frame()),
                  output.previous(),
                  options.replan())
              .orElseGet(() -> ShardPlanner.plan(cfg.sharding(), input.frame()));
      requireKnownShards(options, plan);

      spark
          .sparkContext()
          .setJobDescription("shardscore " + run + ": count and fingerprint shards");
      boolean incremental = mode == OutputMode.INCREMENTAL;
      // A full run fingerprints its census only when an earlier attempt left shards to resume.
      boolean fingerprint =
          incremental
              || forExecution
                  && output.journal().list().stream()
                      .anyMatch(j -> spec.digest().equals(j.modelDigest()));
      ChangeDetection detected =
          ChangeDetection.detect(
              new ChangeDetection.Context(
                  spark,
                  plan,
                  input,
                  rows,
                  output.previous(),
                  spec.digest(),
                  incremental,
                  fingerprint,
                  options.verifyContent(),
                  options.selectedShards(),
                  cfg.scoring().batchSize()));
      return new PreparedRun(
          cfg,
          run,
          started,
          options,
          forExecution,
          hadoop,
          output,
          model,
          input,
          rows,
          plan,
          detected,
          censusStarted,
          System.currentTimeMillis());
    } catch (Exception e) { // SparkException is checked but undeclared by Scala
      Optional<ShardscoreException> unreadable = InputReadErrors.translate(e, input.describe());
      if (unreadable.isPresent()) {
        throw unreadable.get();
      }
      throw e;
    } finally {
      spark.sparkContext().setJobDescription(callersDescription); // a notebook's, say
    }
  }

  /** The input columns a run reads: the passthrough columns (all by default), key and features. */
  private static Predicate<String> columnsRead(JobConfig cfg) {
    List<String> passthrough = cfg.scoring().passthrough();
    if (passthrough == null) {
      return column -> true;
    }
    // Spark resolves column names ignoring case unless spark.sql.caseSensitive is set.
    boolean caseSensitive = SQLConf.get().caseSensitiveAnalysis();
    Function<String, String> key = caseSensitive ? n -> n : n -> n.toLowerCase(Locale.ROOT);
    Set<String> read = new HashSet<>();
    passthrough.forEach(c -> read.add(key.apply(c)));
    read.add(key.apply(cfg.sharding().key()));
    cfg.model().inputColumns().forEach(c -> read.add(key.apply(c)));
    return column -> read.contains(key.apply(column));
  }

  /** A name given to {@code --shards} must be a shard of the plan: checked before the census. */
  private static void requireKnownShards(RunOptions options, ShardPlan plan) {
    for (String name : options.selectedShards()) {
      if (plan.shards().stream().noneMatch(s -> s.name().equals(name))) {
        throw new JobConfigException(
            "--shards names '"
                + name
                + "', which is not a shard of the plan. Shards: "
                + plan.shards().stream().map(Shard::name).toList()
                + ".");
      }
    }
  }

  private static String newRunId(long millis) {
    String time =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochMilli(millis));
    return time + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}

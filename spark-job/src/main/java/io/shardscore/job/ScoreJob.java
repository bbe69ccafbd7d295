package io.shardscore.job;

import static org.apache.spark.sql.functions.col;

import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputGuard;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.commit.StagedFile;
import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.InputConfig;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.config.ModelConfig;
import io.shardscore.job.config.ModelOutputs;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.job.config.ShardingConfig;
import io.shardscore.job.plan.PartitionRouting;
import io.shardscore.job.plan.ShardAssignment;
import io.shardscore.job.plan.ShardPlanner;
import io.shardscore.job.report.RunReport;
import io.shardscore.job.score.FeatureLayout;
import io.shardscore.job.score.HadoopConf;
import io.shardscore.job.score.HadoopModelSource;
import io.shardscore.job.score.OutputLayout;
import io.shardscore.job.score.PartitionScorer;
import io.shardscore.job.score.PredictionColumns;
import io.shardscore.job.score.ScoringTask;
import io.shardscore.job.score.TaskOutcome;
import io.shardscore.job.score.WrittenFile;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.ModelOutput;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import io.shardscore.model.ScoringSession;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlacement;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.ShardStrategy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The scoring action: read, plan shards, place rows so that each partition holds one shard, score
 * in batches on the shared model, stage files, check the error budget, commit through the manifest,
 * report. Options return {@code this}; {@link #execute()} runs once and returns a {@link
 * ScoreResult}. The CLI and spark-submit are thin wrappers over this class.
 */
public final class ScoreJob {
  private static final Logger LOG = LogManager.getLogger(ScoreJob.class);
  private static final String ROUTE_COLUMN = "__shardscore_route";
  private static final Pattern SAFE_RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

  private final SparkSession spark;
  private JobConfig config =
      new JobConfig(null, null, null, null, ScoringConfig.defaults(), Map.of());
  private Dataset<Row> inputFrame;
  private String runId;

  ScoreJob(SparkSession spark) {
    this.spark = spark;
  }

  /** Replaces the whole configuration. */
  public ScoreJob config(JobConfig value) {
    this.config = value;
    return this;
  }

  public JobConfig config() {
    return config;
  }

  /** Scores this Dataset instead of reading {@code input.path}. */
  public ScoreJob input(Dataset<Row> frame) {
    this.inputFrame = frame;
    return this;
  }

  public ScoreJob input(String path) {
    config = config.withInput(new InputConfig(path, null));
    return this;
  }

  public ScoreJob output(String path) {
    String mode = config.output() == null ? null : config.output().mode();
    config = config.withOutput(new OutputConfig(path, mode));
    return this;
  }

  public ScoreJob mode(OutputMode mode) {
    String path = config.output() == null ? null : config.output().path();
    config = config.withOutput(new OutputConfig(path, mode.configName()));
    return this;
  }

  public ScoreJob sharding(ShardingConfig sharding) {
    config = config.withSharding(sharding);
    return this;
  }

  /** Shards by explicit ranges such as {@code "0-999,1000-1999"}; each range is its own name. */
  public ScoreJob shardByRanges(String key, String ranges) {
    List<ShardingConfig.NamedRange> list = new ArrayList<>();
    for (String r : ranges.split(",")) {
      list.add(new ShardingConfig.NamedRange(null, r.trim()));
    }
    return sharding(new ShardingConfig(key, list, null, null, null, null, maxRows()));
  }

  public ScoreJob shardByHash(String key, int buckets) {
    return sharding(new ShardingConfig(key, null, buckets, null, null, null, maxRows()));
  }

  public ScoreJob shardByQuantiles(String key, int shards) {
    return sharding(new ShardingConfig(key, null, null, shards, null, null, maxRows()));
  }

  public ScoreJob maxRowsPerPartition(long rows) {
    ShardingConfig s = config.sharding();
    if (s == null) {
      throw new IllegalStateException("call shardBy... before maxRowsPerPartition");
    }
    return sharding(
        new ShardingConfig(
            s.key(),
            s.ranges(),
            s.hashBuckets(),
            s.quantiles(),
            s.unmatched(),
            s.nullKeys(),
            rows));
  }

  private Long maxRows() {
    return config.sharding() == null ? null : config.sharding().maxRowsPerPartition();
  }

  /** The model file and its input columns in tensor order ({@code name[n]} for arrays). */
  public ScoreJob model(String path, List<String> features) {
    ModelOutputs outputs = config.model() == null ? null : config.model().outputs();
    config = config.withModel(new ModelConfig(path, null, features, outputs));
    return this;
  }

  public ScoreJob modelOutputs(ModelOutputs outputs) {
    ModelConfig m = config.model();
    if (m == null) {
      throw new IllegalStateException("call model(...) before modelOutputs(...)");
    }
    config = config.withModel(new ModelConfig(m.path(), m.engine(), m.features(), outputs));
    return this;
  }

  public ScoreJob batchSize(int rows) {
    ScoringConfig s = config.scoring();
    config = config.withScoring(new ScoringConfig(rows, s.passthrough(), s.maxErrorFraction()));
    return this;
  }

  public ScoreJob passthrough(List<String> columns) {
    ScoringConfig s = config.scoring();
    config = config.withScoring(new ScoringConfig(s.batchSize(), columns, s.maxErrorFraction()));
    return this;
  }

  public ScoreJob maxErrorFraction(double fraction) {
    ScoringConfig s = config.scoring();
    config = config.withScoring(new ScoringConfig(s.batchSize(), s.passthrough(), fraction));
    return this;
  }

  /** Fixes the run id (e.g. an Airflow run date); path-safe, unique per output. */
  public ScoreJob runId(String id) {
    if (id == null || !SAFE_RUN_ID.matcher(id).matches()) {
      throw new JobConfigException(
          "run id '" + id + "' is not path-safe; use letters, digits, '_', '.', '-'.");
    }
    this.runId = id;
    return this;
  }

  /** Runs the job and commits its output. */
  public ScoreResult execute() {
    long started = System.currentTimeMillis();
    JobConfig cfg = JobConfigValidator.validate(config, inputFrame != null);
    String run = runId != null ? runId : newRunId(started);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();

    Path outputRoot = qualify(cfg.output().path(), hadoop, "output.path");
    FileSystem outFs = fileSystem(outputRoot, hadoop, "output.path");
    Dataset<Row> input =
        inputFrame != null ? inputFrame : readInput(cfg.input(), outputRoot, hadoop);
    Optional<Manifest> previous = OutputGuard.check(outFs, outputRoot, cfg.output().outputMode());

    // Columns: everything about the schema is checked before a Spark job runs.
    ShardPlanner.requireIntegralKey(cfg.sharding().key(), input);
    List<FeatureColumn> features = cfg.model().featureColumns();
    List<String> passthrough = passthroughColumns(cfg, input);
    StructType carried = carriedSchema(cfg, input, passthrough, features);
    FeatureLayout featureLayout = FeatureLayout.bind(features, carried);

    // The model is loaded once on the driver to check its signature and output width.
    ModelSpec spec = modelSpec(cfg.model(), featureLayout.width(), hadoop);
    HadoopModelSource source =
        new HadoopModelSource(spec.location(), spec.digest(), new HadoopConf(hadoop));
    int outputWidth = probeOutputWidth(spec, source);
    PredictionColumns predictions = PredictionColumns.resolve(cfg.model().outputs(), outputWidth);
    requireNoNameClash(passthrough, predictions);
    OutputLayout layout = new OutputLayout(carried, passthrough.size(), predictions);

    // Plan shards, count rows per shard, place them.
    spark.sparkContext().setJobDescription("shardscore " + run + ": plan shards");
    ShardPlan plan = ShardPlanner.plan(cfg.sharding(), input);
    Column longKey = col(cfg.sharding().key()).cast(DataTypes.LongType);
    spark.sparkContext().setJobDescription("shardscore " + run + ": count rows per shard");
    long[] rowsPerShard = countRowsPerShard(input, plan, longKey);
    long rowsIn = 0;
    for (long r : rowsPerShard) {
      rowsIn += r;
    }
    if (rowsIn == 0) {
      throw new ScoringFailedException(
          ScoringFailedException.Reason.EMPTY_INPUT,
          "The input "
              + (inputFrame != null ? "Dataset" : cfg.input().path())
              + " has no rows, so there is nothing to score and nothing was committed. Check"
              + " input.path and the upstream job that writes it.");
    }
    ShardPlacement placement =
        ShardPlacement.plan(rowsPerShard, cfg.sharding().maxRowsPerPartition());
    int partitions = placement.totalPartitions();
    int[] routes = PartitionRouting.routeValues(partitions);

    List<Column> columns = new ArrayList<>();
    for (StructField f : carried.fields()) {
      if (!f.name().equals(ROUTE_COLUMN)) {
        columns.add(col(f.name()));
      }
    }
    columns.add(ShardAssignment.routeValue(plan, placement, routes, longKey).as(ROUTE_COLUMN));
    Dataset<Row> routed =
        input.select(columns.toArray(Column[]::new)).repartition(partitions, col(ROUTE_COLUMN));

    Path staging = new Path(new Path(outputRoot, "_shardscore/staging"), run);
    ScoringTask task =
        new ScoringTask(
            run,
            staging.toString(),
            plan,
            placement,
            routes,
            featureLayout,
            layout,
            spec,
            source,
            cfg.scoring().batchSize(),
            started * 1000L,
            new HadoopConf(hadoop));

    spark
        .sparkContext()
        .setJobDescription("shardscore " + run + ": score " + partitions + " partitions");
    List<TaskOutcome> outcomes;
    try {
      outcomes =
          routed
              .queryExecution()
              .toRdd()
              .toJavaRDD()
              .mapPartitions(new PartitionScorer(task))
              .collect();
    } catch (Exception e) { // SparkException is checked but undeclared by Scala
      deleteQuietly(outFs, staging);
      throw new ScoringFailedException(
          ScoringFailedException.Reason.TASK_FAILED,
          "Scoring failed, nothing was committed and "
              + outputRoot
              + " is unchanged: "
              + rootMessage(e),
          e);
    } finally {
      spark.sparkContext().setJobDescription(null);
    }

    Tally tally = Tally.of(outcomes, partitions, rowsPerShard, plan);
    if (tally.rowsIn != rowsIn) {
      deleteQuietly(outFs, staging);
      throw new ScoringFailedException(
          ScoringFailedException.Reason.ROWS_DO_NOT_ADD_UP,
          "Tasks read "
              + tally.rowsIn
              + " rows but the input had "
              + rowsIn
              + " when counted; the input changed while the job ran. Nothing was committed;"
              + " rerun once the input is stable.");
    }
    double errorFraction = (double) tally.rejected / rowsIn;
    if (errorFraction > cfg.scoring().maxErrorFraction()) {
      throw new ScoringFailedException(
          ScoringFailedException.Reason.ERROR_BUDGET_EXCEEDED,
          String.format(
              java.util.Locale.ROOT,
              "%d of %d rows (%.4f%%) could not be scored, more than scoring.max-error-fraction"
                  + " %.4f%% allows. Nothing was committed; %s still shows its previous commit."
                  + " This run's rejected rows, with reasons, are kept for inspection under %s."
                  + " Fix the input or raise max-error-fraction, then rerun.",
              tally.rejected,
              rowsIn,
              errorFraction * 100,
              cfg.scoring().maxErrorFraction() * 100,
              outputRoot,
              new Path(staging, "_errors")));
    }

    Manifest next = manifest(cfg, run, previous, plan, spec, predictions, passthrough, tally);
    ShardCommitter committer = new ShardCommitter(outFs, outputRoot);
    committer.commit(next, tally.staged, staging);
    removeOtherStaging(outFs, new Path(outputRoot, "_shardscore/staging"));

    long elapsed = System.currentTimeMillis() - started;
    List<ShardStatus> statuses = statuses(plan, placement, next);
    ScoreResult result =
        new ScoreResult(
            run,
            next.version(),
            outputRoot.toString(),
            rowsIn,
            tally.scored,
            tally.rejected,
            statuses,
            elapsed,
            tally.modelNanos / 1_000_000,
            tally.loadsByExecutor,
            partitions,
            spark);
    RunReport.write(outFs, outputRoot, result, next);
    LOG.info(
        "Committed {} version {}: {} rows in, {} scored, {} rejected, {} shards, {} ms",
        outputRoot,
        next.version(),
        rowsIn,
        tally.scored,
        tally.rejected,
        plan.shards().size(),
        elapsed);
    return result;
  }

  private Dataset<Row> readInput(InputConfig in, Path outputRoot, Configuration hadoop) {
    Path inputPath = qualify(in.path(), hadoop, "input.path");
    FileSystem fs = fileSystem(inputPath, hadoop, "input.path");
    try {
      if (!fs.exists(inputPath)) {
        throw new JobConfigException(
            "input.path "
                + inputPath
                + " does not exist. Check the path (and the run date in it).");
      }
    } catch (IOException e) {
      throw new JobConfigException(
          "Cannot check input.path " + inputPath + ": " + e.getMessage() + ". Check access to it.");
    }
    String out = outputRoot.toString();
    String inp = inputPath.toString();
    if (out.equals(inp) || out.startsWith(inp + "/") || inp.startsWith(out + "/")) {
      throw new JobConfigException(
          "output.path "
              + out
              + " overlaps input.path "
              + inp
              + "; choose an output outside the input.");
    }
    try {
      return spark.read().format(in.format()).load(inputPath.toString());
    } catch (RuntimeException e) {
      throw new JobConfigException(
          "Cannot read input.path "
              + inputPath
              + " as "
              + in.format()
              + ": "
              + rootMessage(e)
              + ". Check that it holds "
              + in.format()
              + " files.");
    }
  }

  private static List<String> passthroughColumns(JobConfig cfg, Dataset<Row> input) {
    List<String> requested = cfg.scoring().passthrough();
    if (requested == null) {
      return List.of(input.columns());
    }
    for (String c : requested) {
      ShardPlanner.field(input, c, "scoring.passthrough");
    }
    return List.copyOf(new LinkedHashSet<>(requested));
  }

  private static StructType carriedSchema(
      JobConfig cfg, Dataset<Row> input, List<String> passthrough, List<FeatureColumn> features) {
    Set<String> names = new LinkedHashSet<>(passthrough);
    names.add(cfg.sharding().key());
    for (FeatureColumn f : features) {
      ShardPlanner.field(input, f.column(), "model.features");
      names.add(f.column());
    }
    List<StructField> fields = new ArrayList<>();
    for (String n : names) {
      fields.add(ShardPlanner.field(input, n, "column"));
    }
    fields.add(DataTypes.createStructField(ROUTE_COLUMN, DataTypes.IntegerType, false));
    return new StructType(fields.toArray(StructField[]::new));
  }

  private static void requireNoNameClash(List<String> passthrough, PredictionColumns predictions) {
    List<String> added = new ArrayList<>();
    predictions.fields().forEach(f -> added.add(f.name()));
    added.addAll(JobConfigValidator.PROVENANCE_COLUMNS);
    added.add("shard");
    for (String c : passthrough) {
      if (added.contains(c)) {
        throw new JobConfigException(
            "Input column '"
                + c
                + "' would collide with a column shardscore writes ("
                + String.join(", ", added)
                + "). Rename it, leave it out of scoring.passthrough, or rename the prediction"
                + " column under model.outputs.");
      }
    }
  }

  private static ModelSpec modelSpec(ModelConfig model, int width, Configuration hadoop) {
    Path path = qualify(model.path(), hadoop, "model.path");
    FileSystem fs = fileSystem(path, hadoop, "model.path");
    String digest;
    try (InputStream in = fs.open(path)) {
      digest = ModelDigest.of(in);
    } catch (java.io.FileNotFoundException e) {
      throw new ModelLoadException(
          "model.path " + path + " does not exist. Check the path, or build the model first.");
    } catch (IOException e) {
      throw new ModelLoadException(
          "Cannot read model.path " + path + ": " + e.getMessage() + ". Check access to it.", e);
    }
    String location =
        path.toUri().getScheme() == null || "file".equals(path.toUri().getScheme())
            ? path.toUri().getPath()
            : path.toString();
    return new ModelSpec(location, ModelEngine.parse(model.engine()), digest, width);
  }

  private static int probeOutputWidth(ModelSpec spec, HadoopModelSource source) {
    LoadedModel model = ModelRegistry.acquire(spec, source, EngineSettings.forTaskCpus(1));
    try (ScoringSession session = model.newSession()) {
      ModelOutput out =
          session.predict(new FeatureBatch(new float[spec.featureCount()], 1, spec.featureCount()));
      return out.width();
    } catch (ModelLoadException e) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " rejected a test batch of 1 row x "
              + spec.featureCount()
              + " features: "
              + rootMessage(e)
              + ". Make model.features match the model's input (array columns count as their"
              + " length).",
          e);
    }
  }

  private long[] countRowsPerShard(Dataset<Row> input, ShardPlan plan, Column longKey) {
    List<Row> counts =
        input
            .select(ShardAssignment.shardId(plan, longKey).as("s"))
            .groupBy("s")
            .count()
            .collectAsList();
    long[] perShard = new long[plan.shards().size()];
    long stray = 0;
    for (Row r : counts) {
      int s = r.getInt(0);
      if (s == ShardPlan.NO_SHARD) {
        stray = r.getLong(1);
      } else {
        perShard[s] = r.getLong(1);
      }
    }
    if (stray > 0) {
      Row span =
          input
              .select(longKey.as("k"))
              .where(ShardAssignment.shardId(plan, col("k")).equalTo(ShardPlan.NO_SHARD))
              .selectExpr("count(*) - count(k) as nulls", "min(k)", "max(k)")
              .first();
      long nulls = span.getLong(0);
      String keys =
          span.isNullAt(1)
              ? ""
              : " non-null stray keys range from " + span.get(1) + " to " + span.get(2) + ";";
      throw new ScoringFailedException(
          ScoringFailedException.Reason.STRAY_KEYS,
          stray
              + " rows have no shard ("
              + nulls
              + " with a null '"
              + plan.keyColumn()
              + "');"
              + keys
              + " sharding.unmatched / sharding.null-keys is 'fail'. Add ranges that cover them, or"
              + " set the policy to 'shard' or 'errors'. Nothing was scored.");
    }
    return perShard;
  }

  private Manifest manifest(
      JobConfig cfg,
      String run,
      Optional<Manifest> previous,
      ShardPlan plan,
      ModelSpec spec,
      PredictionColumns predictions,
      List<String> passthrough,
      Tally tally) {
    List<Manifest.PlannedShard> planned = new ArrayList<>();
    for (Shard s : plan.shards()) {
      Long first = null;
      Long last = null;
      Integer bucket = null;
      if (s.role() == Shard.Role.PLANNED) {
        if (plan.strategy() instanceof ShardStrategy.Ranges r) {
          KeyRange range = r.ranges().get(s.id());
          first = range.first();
          last = range.last();
        } else {
          bucket = s.id();
        }
      }
      planned.add(
          new Manifest.PlannedShard(
              s.id(),
              s.name(),
              s.role().name().toLowerCase(java.util.Locale.ROOT),
              s.covers(),
              first,
              last,
              bucket,
              s.rejectReason()));
    }
    String strategy = plan.strategy() instanceof ShardStrategy.Ranges ? "ranges" : "hash-buckets";
    String origin = plan.strategy() instanceof ShardStrategy.Ranges r ? r.origin() : "hash-buckets";
    Manifest.PlanEntry planEntry =
        new Manifest.PlanEntry(
            plan.keyColumn(),
            strategy,
            origin,
            plan.unmatchedKeys().configName(),
            plan.nullKeys().configName(),
            planned);
    List<Manifest.ShardEntry> shards = new ArrayList<>();
    for (Shard s : plan.shards()) {
      List<Manifest.FileEntry> files = new ArrayList<>();
      List<Manifest.FileEntry> errors = new ArrayList<>();
      long rows = 0;
      long errorRows = 0;
      for (TaskOutcome o : tally.byShard.getOrDefault(s.id(), List.of())) {
        if (o.data() != null) {
          files.add(entry(o.data()));
          rows += o.data().rows();
        }
        if (o.errors() != null) {
          errors.add(entry(o.errors()));
          errorRows += o.errors().rows();
        }
      }
      shards.add(new Manifest.ShardEntry(s.id(), s.name(), rows, errorRows, files, errors, null));
    }
    long version = previous.map(m -> m.version() + 1).orElse(1L);
    Long parent = previous.map(Manifest::version).orElse(null);
    String storeId = previous.map(Manifest::storeId).orElse(UUID.randomUUID().toString());
    return new Manifest(
        Manifest.FORMAT,
        version,
        parent,
        storeId,
        run,
        Instant.now().toString(),
        cfg.output().mode(),
        new Manifest.ModelEntry(spec.location(), spec.engine().djlName(), spec.digest()),
        planEntry,
        settingsDigest(cfg, predictions, passthrough),
        shards);
  }

  private static Manifest.FileEntry entry(WrittenFile f) {
    return new Manifest.FileEntry(f.path(), f.rows(), f.bytes(), f.crc32c());
  }

  /** Digest of the settings that change predictions or the output schema, nothing else. */
  private static String settingsDigest(
      JobConfig cfg, PredictionColumns predictions, List<String> passthrough) {
    String canonical =
        "features="
            + cfg.model().features()
            + ";outputs="
            + predictions
            + ";passthrough="
            + passthrough
            + ";key="
            + cfg.sharding().key();
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<ShardStatus> statuses(ShardPlan plan, ShardPlacement placement, Manifest m) {
    List<ShardStatus> out = new ArrayList<>();
    for (Manifest.ShardEntry e : m.shards()) {
      Shard s = plan.shard(e.id());
      String status = e.rows() + e.errorRows() == 0 ? "empty" : s.scored() ? "scored" : "rejected";
      out.add(
          new ShardStatus(
              e.id(),
              e.name(),
              s.covers(),
              status,
              e.rows(),
              e.errorRows(),
              placement.partitionsOf(e.id()),
              e.files().size()));
    }
    return out;
  }

  private static void removeOtherStaging(FileSystem fs, Path stagingRoot) {
    try {
      if (fs.exists(stagingRoot)) {
        for (FileStatus s : fs.listStatus(stagingRoot)) {
          fs.delete(s.getPath(), true);
        }
      }
    } catch (IOException e) {
      LOG.warn("Could not clean {}: {}", stagingRoot, e.toString());
    }
  }

  private static Path qualify(String path, Configuration hadoop, String key) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(hadoop).makeQualified(p);
    } catch (IOException | IllegalArgumentException e) {
      throw new JobConfigException(
          key
              + " '"
              + path
              + "' cannot be resolved: "
              + rootMessage(e)
              + ". Use a plain path or a URI such as file:/data/x or s3a://bucket/x.");
    }
  }

  private static FileSystem fileSystem(Path path, Configuration hadoop, String key) {
    try {
      return path.getFileSystem(hadoop);
    } catch (IOException e) {
      throw new JobConfigException(
          key + " " + path + " is on a file system that cannot be opened: " + e.getMessage() + ".");
    }
  }

  private static void deleteQuietly(FileSystem fs, Path p) {
    try {
      fs.delete(p, true);
    } catch (IOException e) {
      LOG.warn("Could not delete {}: {}", p, e.toString());
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    return msg == null ? t.toString() : msg.split("\n")[0];
  }

  private static String newRunId(long millis) {
    String time =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochMilli(millis));
    return time + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Sums task outcomes and checks that every partition reported exactly once. */
  private static final class Tally {
    long rowsIn;
    long scored;
    long rejected;
    long modelNanos;
    final Map<Integer, List<TaskOutcome>> byShard = new LinkedHashMap<>();
    final List<StagedFile> staged = new ArrayList<>();
    final Map<String, Integer> loadsByExecutor = new LinkedHashMap<>();

    static Tally of(
        List<TaskOutcome> outcomes, int partitions, long[] rowsPerShard, ShardPlan plan) {
      Tally t = new Tally();
      boolean[] seen = new boolean[partitions];
      for (TaskOutcome o : outcomes) {
        if (seen[o.partition()]) {
          throw new CommitException("partition " + o.partition() + " reported twice");
        }
        seen[o.partition()] = true;
        if (o.rowsScored() + o.rowsRejected() != o.rowsIn()) {
          throw new ScoringFailedException(
              ScoringFailedException.Reason.ROWS_DO_NOT_ADD_UP,
              "partition "
                  + o.partition()
                  + " read "
                  + o.rowsIn()
                  + " rows but wrote "
                  + (o.rowsScored() + o.rowsRejected())
                  + "; nothing was committed.");
        }
        t.rowsIn += o.rowsIn();
        t.scored += o.rowsScored();
        t.rejected += o.rowsRejected();
        t.modelNanos += o.modelNanos();
        t.byShard.computeIfAbsent(o.shardId(), k -> new ArrayList<>()).add(o);
        if (o.data() != null) {
          t.staged.add(new StagedFile(o.dataStagedAs(), o.data().path()));
        }
        if (o.errors() != null) {
          t.staged.add(new StagedFile(o.errorsStagedAs(), o.errors().path()));
        }
        t.loadsByExecutor.merge(o.executorId(), o.modelLoadsInJvm(), Math::max);
      }
      for (int p = 0; p < partitions; p++) {
        if (!seen[p]) {
          throw new CommitException("partition " + p + " reported no outcome");
        }
      }
      return t;
    }
  }
}

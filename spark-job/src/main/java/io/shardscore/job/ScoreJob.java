package io.shardscore.job;

import static org.apache.spark.sql.functions.col;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.InputFile;
import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.change.RowHasher;
import io.shardscore.job.change.ShardCensus;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.change.ShardFingerprint;
import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputGuard;
import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.PendingRun;
import io.shardscore.job.commit.ShardCommitter;
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
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.plan.PartitionRouting;
import io.shardscore.job.plan.ShardAssignment;
import io.shardscore.job.plan.ShardPlanner;
import io.shardscore.job.report.RunReport;
import io.shardscore.job.score.FeatureLayout;
import io.shardscore.job.score.GpuStageProfile;
import io.shardscore.job.score.HadoopConf;
import io.shardscore.job.score.HadoopModelSource;
import io.shardscore.job.score.OutputLayout;
import io.shardscore.job.score.PartitionScorer;
import io.shardscore.job.score.PredictionColumns;
import io.shardscore.job.score.ScoringTask;
import io.shardscore.job.score.TaskOutcome;
import io.shardscore.job.score.WrittenFile;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.job.store.SessionHadoopConf;
import io.shardscore.job.store.StoreErrors;
import io.shardscore.model.DevicePolicy;
import io.shardscore.model.DeviceUnavailableException;
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
import io.shardscore.sharding.StrayKeyPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.resource.ResourceProfile;
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
  private static final String KEY_COLUMN = "__shardscore_key";
  private Dataset<Row> inputFrame;
  private String runId;
  private boolean replan;
  private boolean verifyContent;
  private Set<String> selectedShards = Set.of();

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
    OutputConfig o = config.output() == null ? new OutputConfig(null, null) : config.output();
    config = config.withOutput(new OutputConfig(path, o.mode(), o.retention()));
    return this;
  }

  public ScoreJob mode(OutputMode mode) {
    OutputConfig o = config.output() == null ? new OutputConfig(null, null) : config.output();
    config = config.withOutput(new OutputConfig(o.path(), mode.configName(), o.retention()));
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
    return sharding(s.withMaxRowsPerPartition(rows));
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
    config = config.withScoring(s.withBatchSize(rows));
    return this;
  }

  public ScoreJob passthrough(List<String> columns) {
    ScoringConfig s = config.scoring();
    config = config.withScoring(s.withPassthrough(columns));
    return this;
  }

  public ScoreJob maxErrorFraction(double fraction) {
    ScoringConfig s = config.scoring();
    config = config.withScoring(s.withMaxErrorFraction(fraction));
    return this;
  }

  /** Where the model runs: {@code cpu}, {@code gpu} or {@code auto} (see {@link DevicePolicy}). */
  public ScoreJob device(String policy) {
    config = config.withScoring(config.scoring().withDevice(policy));
    return this;
  }

  /** {@code per-task} or {@code queue}: whether tasks' batches are coalesced per device. */
  public ScoreJob batching(String mode) {
    config = config.withScoring(config.scoring().withBatching(mode));
    return this;
  }

  /** Runs the scoring stage under a task resource profile asking this many GPUs per task. */
  public ScoreJob gpusPerTask(double gpus) {
    config = config.withScoring(config.scoring().withGpusPerTask(gpus));
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

  /** Reuse no committed quantile plan; compute quantile ranges from the data again. */
  public ScoreJob replan(boolean value) {
    this.replan = value;
    return this;
  }

  /**
   * Scores only these shards (by name) and keeps every other committed shard as it is. Shards never
   * committed and not named here stay absent.
   */
  public ScoreJob shards(Set<String> names) {
    this.selectedShards = Set.copyOf(names);
    return this;
  }

  /**
   * Fingerprints every shard from its rows, ignoring the metadata fast path (file identities and
   * footer key ranges) that otherwise lets unchanged files go unread.
   */
  public ScoreJob verifyContent(boolean value) {
    this.verifyContent = value;
    return this;
  }

  /** Plans the run against the committed output without scoring or changing anything. */
  public ChangePlan plan() {
    return prepare(true).changes();
  }

  /** Runs the job and commits its output. */
  public ScoreResult execute() {
    Prepared p = prepare(false);
    JobConfig cfg = p.cfg();
    ShardPlan plan = p.plan();
    ChangePlan changes = p.changes();
    Path outputRoot = p.outputRoot();
    FileSystem outFs = p.outFs();
    ShardCommitter committer = new ShardCommitter(outFs, outputRoot);
    // Finish what a crash after the newest commit left undone (protocol step 2): its moves, its
    // journal and staging, and the sweep of what it superseded. All of it is idempotent.
    PendingJournal journal = new PendingJournal(outFs, outputRoot);
    p.previous()
        .ifPresent(
            m -> {
              committer.ensureInPlace(m);
              ShardResume.forgetCommitted(journal, m);
              committer.sweep(m);
            });

    if (cfg.output().outputMode() == OutputMode.INCREMENTAL
        && p.previous().isPresent()
        && changes.nothingToDo()) {
      Manifest current = p.previous().get();
      LOG.info(
          "Nothing changed since version {} of {}; nothing scored, nothing committed",
          current.version(),
          outputRoot);
      return result(p, current, null, 0, false);
    }

    long[] rowsPerShard = new long[plan.shards().size()];
    long expected = 0;
    Set<Integer> toScore = new HashSet<>();
    for (ShardChange c : changes.changes()) {
      if (c.shardId() >= 0 && c.status().scores()) {
        expected += c.rows();
        toScore.add(c.shardId());
        rowsPerShard[c.shardId()] = c.rows();
      }
    }
    String attemptId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    boolean resumable = p.census().fingerprinted();
    ShardResume resume =
        new ShardResume(plan, p.census(), p.spec().digest(), id -> p.identity(plan.shard(id)));
    Path staging = new Path(new Path(outputRoot, "_shardscore/staging"), p.run() + "." + attemptId);
    ShardResume.Resumed resumed =
        resumable
            ? resume.finished(journal, toScore, outFs).adoptInto(outFs, staging)
            : ShardResume.Resumed.none();
    for (Integer shardId : resumed.outcomes().keySet()) {
      toScore.remove(shardId);
      rowsPerShard[shardId] = 0;
    }
    ShardPlacement placement =
        ShardPlacement.plan(rowsPerShard, cfg.sharding().maxRowsPerPartition());
    int partitions = placement.totalPartitions();
    long baseVersion = p.previous().map(Manifest::version).orElse(0L);
    PendingRun own = null;
    Tally tally = Tally.empty();
    if (partitions > 0) {
      own = resume.record(journal, p.run(), attemptId, baseVersion, placement, toScore, staging);
      FaultInjection.check(FaultInjection.AFTER_JOURNAL);
      tally = score(p, placement, toScore, staging, attemptId);
    }
    tally.addResumed(resumed.outcomes());
    FaultInjection.check(FaultInjection.AFTER_STAGING);
    if (tally.rowsIn != expected) {
      if (own != null) {
        journal.remove(own); // rows of an input that changed mid-run: nothing to resume
      }
      throw new ScoringFailedException(
          ScoringFailedException.Reason.ROWS_DO_NOT_ADD_UP,
          "Tasks read "
              + tally.rowsIn
              + " rows but the input had "
              + expected
              + " in the shards to score when counted; the input changed while the job ran."
              + " Nothing was committed; rerun once the input is stable.");
    }
    double errorFraction = expected == 0 ? 0 : (double) tally.rejected / expected;
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
              expected,
              errorFraction * 100,
              cfg.scoring().maxErrorFraction() * 100,
              outputRoot,
              new Path(staging, "_errors")));
    }

    Manifest next = manifest(p, tally, attemptId);
    Set<String> committedShards = new HashSet<>();
    changes.changes().stream()
        .filter(c -> c.status().scores())
        .forEach(c -> committedShards.add(c.name()));
    List<PendingRun> done = new ArrayList<>(resumed.consumedBy(committedShards));
    if (own != null) {
      done.add(own);
    }
    for (PendingRun stale : ShardResume.stale(journal, System.currentTimeMillis())) {
      if (!done.contains(stale)) {
        done.add(stale);
      }
    }
    committer.commit(next, done);
    ScoreResult result = result(p, next, tally, partitions, true);
    try {
      RunReport.write(outFs, outputRoot, result, next);
    } catch (RuntimeException e) {
      LOG.warn("Committed, but could not write the run report: {}", e.toString());
    }
    LOG.info(
        "Committed {} version {}: {} shards scored, {} kept; {} rows processed ({} rejected); {} ms",
        outputRoot,
        next.version(),
        changes.shardsToScore(),
        changes.changes().stream().filter(c -> c.status().keepsPrevious()).count(),
        tally.rowsIn,
        tally.rejected,
        result.elapsedMillis());
    return result;
  }

  /** Everything decided on the driver before scoring. */
  private record Prepared(
      JobConfig cfg,
      String run,
      long started,
      Path outputRoot,
      FileSystem outFs,
      Dataset<Row> input,
      Optional<Manifest> previous,
      List<String> passthrough,
      StructType carried,
      FeatureLayout featureLayout,
      ModelSpec spec,
      HadoopModelSource source,
      PredictionColumns predictions,
      OutputLayout layout,
      ShardPlan plan,
      ShardCensus census,
      ChangePlan changes,
      String settingsDigest,
      Configuration hadoop,
      Dataset<Row> scoringInput,
      Manifest.InputEntry inputEntry,
      Optional<InputSnapshot> snapshot,
      String fingerprintColumns) {

    /**
     * A shard's identity for change detection and resume: the prediction settings, the stray-key
     * policies of the plan, and the shard's role and reject reason. Together with the model digest
     * and the input fingerprint it decides the shard's committed rows.
     */
    String identity(Shard shard) {
      return shardIdentity(settingsDigest, plan, shard);
    }
  }

  /** See {@link Prepared#identity}. */
  static String shardIdentity(String settingsDigest, ShardPlan plan, Shard shard) {
    return sha256(
        settingsDigest
            + ";unmatched="
            + plan.unmatchedKeys().configName()
            + ";null-keys="
            + plan.nullKeys().configName()
            + ";role="
            + shard.role()
            + ";scored="
            + shard.scored()
            + ";reject="
            + shard.rejectReason());
  }

  private Prepared prepare(boolean planOnly) {
    long started = System.currentTimeMillis();
    JobConfig cfg = JobConfigValidator.validate(config, inputFrame != null);
    String run = runId != null ? runId : newRunId(started);
    Configuration hadoop = SessionHadoopConf.of(spark);
    GpuStageProfile.checkGpusRequested(cfg.scoring(), spark);

    Path outputRoot = qualify(cfg.output().path(), hadoop, "output.path");
    FileSystem outFs = fileSystem(outputRoot, hadoop, "output.path");
    OutputMode mode = planOnly ? OutputMode.INCREMENTAL : cfg.output().outputMode();
    Optional<Manifest> previous = OutputGuard.check(outFs, outputRoot, mode);

    // The model is loaded once on the driver, before any input is read, to check its input width
    // (from model.features) and learn its output width.
    ModelSpec spec = modelSpec(cfg.model(), cfg.model().featureWidth(), hadoop);
    HadoopModelSource source =
        new HadoopModelSource(spec.location(), spec.digest(), new HadoopConf(hadoop));
    int outputWidth = probeOutputWidth(spec, source);

    // Columns: everything about the schema is checked before scoring starts. (Reading a Parquet
    // schema is itself one small Spark job.)
    Dataset<Row> input =
        inputFrame != null ? inputFrame : readInput(cfg.input(), outputRoot, hadoop);
    ShardPlanner.requireIntegralKey(cfg.sharding().key(), input);
    List<FeatureColumn> features = cfg.model().featureColumns();
    List<String> passthrough = passthroughColumns(cfg, input);
    StructType carried = carriedSchema(cfg, input, passthrough, features);
    requireHashable(carried);
    FeatureLayout featureLayout = FeatureLayout.bind(features, carried);
    PredictionColumns predictions = PredictionColumns.resolve(cfg.model().outputs(), outputWidth);
    requireNoNameClash(passthrough, carried, predictions);
    OutputLayout layout = new OutputLayout(carried, passthrough.size(), predictions);
    String fingerprintColumns = fingerprintColumns(carried);
    // The column types are part of it: a type change changes the output schema.
    String settingsDigest = settingsDigest(cfg, predictions, passthrough, fingerprintColumns);

    spark.sparkContext().setJobDescription("shardscore " + run + ": plan shards");
    ShardPlan plan =
        reusablePlan(cfg, previous).orElseGet(() -> ShardPlanner.plan(cfg.sharding(), input));
    spark.sparkContext().setJobDescription("shardscore " + run + ": count and fingerprint shards");
    List<Column> censusColumns = new ArrayList<>();
    for (StructField f : carried.fields()) {
      if (!f.name().equals(ROUTE_COLUMN)) {
        censusColumns.add(col(f.name()));
      }
    }
    censusColumns.add(col(cfg.sharding().key()).cast(DataTypes.LongType).as(KEY_COLUMN));
    boolean incremental = mode == OutputMode.INCREMENTAL;
    // A full run fingerprints its census only when an earlier attempt left shards to resume.
    boolean fingerprint =
        incremental
            || !planOnly
                && new PendingJournal(outFs, outputRoot)
                    .list().stream().anyMatch(j -> spec.digest().equals(j.modelDigest()));
    Optional<InputSnapshot> snapshot = snapshot(cfg, input);
    String inputRoot =
        inputFrame != null ? null : qualify(cfg.input().path(), hadoop, "input.path").toString();
    Map<Integer, ShardFingerprint> known =
        incremental && !verifyContent
            ? unchangedByMetadata(plan, previous, snapshot, inputRoot, fingerprintColumns)
            : Map.of();
    ShardCensus census;
    int filesRead = snapshot.map(x -> x.files().size()).orElse(-1);
    if (!known.isEmpty()) {
      Set<InputFile> dirty = new LinkedHashSet<>();
      for (Shard shard : plan.shards()) {
        if (!known.containsKey(shard.id())) {
          dirty.addAll(snapshot.get().overlapping(plan, shard));
        }
      }
      // Under a 'fail' policy, rows that belong to no shard must still be found: read every file
      // that is not, by identity, one the last commit already read.
      if (plan.unmatchedKeys() == StrayKeyPolicy.FAIL || plan.nullKeys() == StrayKeyPolicy.FAIL) {
        dirty.addAll(InputSnapshot.notIn(snapshot.get().files(), previous.get().input().files()));
      }
      filesRead = dirty.size();
      census =
          dirty.isEmpty()
              ? ShardCensus.ofKnown(plan.shards().size(), known)
              : ShardCensus.take(
                      readFiles(cfg, inputRoot, input, dirty)
                          .select(censusColumns.toArray(Column[]::new)),
                      plan)
                  .withKnown(known);
      LOG.info(
          "Metadata fast path: {} of {} shards unchanged by file identity; read {} of {} files",
          known.size(),
          plan.shards().size(),
          filesRead,
          snapshot.get().files().size());
    } else {
      // Incremental runs need fingerprints to decide; full runs only count (reading the key column
      // alone) and let their tasks fingerprint the rows they score.
      census =
          fingerprint
              ? ShardCensus.take(input.select(censusColumns.toArray(Column[]::new)), plan)
              : ShardCensus.count(
                  input.select(col(cfg.sharding().key()).cast(DataTypes.LongType).as(KEY_COLUMN)),
                  plan);
    }
    spark.sparkContext().setJobDescription(null);
    if (census.strayRows() > 0) {
      throw strayKeys(input, plan, census.strayRows());
    }
    if (census.totalRows() == 0) {
      throw new ScoringFailedException(
          ScoringFailedException.Reason.EMPTY_INPUT,
          "The input "
              + (inputFrame != null ? "Dataset" : cfg.input().path())
              + " has no rows, so there is nothing to score and nothing was committed. Check"
              + " input.path and the upstream job that writes it.");
    }
    ChangePlan changes =
        ChangePlan.compute(
            plan,
            census,
            previous,
            spec.digest(),
            id -> shardIdentity(settingsDigest, plan, plan.shard(id)),
            incremental,
            selectedShards,
            cfg.scoring().batchSize(),
            snapshot.map(x -> x.files().size()).orElse(-1),
            filesRead);
    for (String name : selectedShards) {
      if (plan.shards().stream().noneMatch(s -> s.name().equals(name))) {
        throw new JobConfigException(
            "--shards names '"
                + name
                + "', which is not a shard of the plan. Shards: "
                + plan.shards().stream().map(Shard::name).toList()
                + ".");
      }
    }
    Dataset<Row> scoringInput = input;
    if (snapshot.isPresent()) {
      Set<InputFile> needed = new LinkedHashSet<>();
      for (ShardChange c : changes.changes()) {
        if (c.shardId() >= 0 && c.status().scores()) {
          needed.addAll(snapshot.get().overlapping(plan, plan.shard(c.shardId())));
        }
      }
      if (needed.size() < snapshot.get().files().size()) {
        scoringInput = needed.isEmpty() ? input.limit(0) : readFiles(cfg, inputRoot, input, needed);
      }
    }
    return new Prepared(
        cfg,
        run,
        started,
        outputRoot,
        outFs,
        input,
        previous,
        passthrough,
        carried,
        featureLayout,
        spec,
        source,
        predictions,
        layout,
        plan,
        census,
        changes,
        settingsDigest,
        hadoop,
        scoringInput,
        snapshot.map(x -> new Manifest.InputEntry(inputRoot, x.files())).orElse(null),
        snapshot,
        fingerprintColumns);
  }

  /** Digest of the exact columns (names and types) a fingerprint is taken over. */
  private static String fingerprintColumns(StructType carried) {
    StringBuilder b = new StringBuilder();
    for (StructField f : carried.fields()) {
      if (!f.name().equals(ROUTE_COLUMN)) {
        b.append(f.name()).append(':').append(f.dataType().sql()).append(';');
      }
    }
    return sha256(b.toString());
  }

  /** The input's files and key ranges when it is a Parquet path; empty for a Dataset input. */
  private Optional<InputSnapshot> snapshot(JobConfig cfg, Dataset<Row> input) {
    if (inputFrame != null || !"parquet".equalsIgnoreCase(cfg.input().format())) {
      return Optional.empty();
    }
    try {
      Configuration hadoop = SessionHadoopConf.of(spark);
      return Optional.of(
          InputSnapshot.take(hadoop, new Path(cfg.input().path()), cfg.sharding().key()));
    } catch (IOException e) {
      LOG.warn(
          "Cannot list the input's files and footers ({}); reading all rows instead", e.toString());
      return Optional.empty();
    }
  }

  /**
   * Fingerprints of shards whose overlapping input files are, by identity, the files their
   * committed fingerprint was taken over, with the same columns and the same plan: these shards
   * need not be read. Any difference in the plan (ranges, policies, roles) or the input root
   * disables the fast path, so that every row is counted again.
   */
  private static Map<Integer, ShardFingerprint> unchangedByMetadata(
      ShardPlan plan,
      Optional<Manifest> previous,
      Optional<InputSnapshot> snapshot,
      String inputRoot,
      String fingerprintColumns) {
    if (previous.isEmpty() || snapshot.isEmpty() || previous.get().input() == null) {
      return Map.of();
    }
    Manifest prev = previous.get();
    if (!prev.input().root().equals(inputRoot)
        || !ManifestBuilder.planEntry(plan).equals(prev.plan())) {
      return Map.of();
    }
    Map<String, Manifest.ShardEntry> entries = new HashMap<>();
    prev.shards().forEach(e -> entries.put(e.name(), e));
    Map<Integer, ShardFingerprint> known = new HashMap<>();
    for (Shard shard : plan.shards()) {
      Manifest.ShardEntry e = entries.get(shard.name());
      if (e == null
          || e.fingerprint() == null
          || e.inputFiles() == null
          || !fingerprintColumns.equals(e.fingerprintColumns())) {
        continue;
      }
      if (InputSnapshot.sameFiles(e.inputFiles(), snapshot.get().overlapping(plan, shard))) {
        known.put(shard.id(), ShardFingerprint.decode(e.fingerprint()));
      }
    }
    return known;
  }

  private Dataset<Row> readFiles(
      JobConfig cfg, String inputRoot, Dataset<Row> input, Set<InputFile> files) {
    if (files.size() == 1 && files.iterator().next().path().isEmpty()) {
      // input.path is a single file: read it as it is (a basePath must be a folder).
      return spark.read().schema(input.schema()).format(cfg.input().format()).load(inputRoot);
    }
    String root = inputRoot.endsWith("/") ? inputRoot : inputRoot + "/";
    String[] paths = files.stream().map(f -> root + f.path()).toArray(String[]::new);
    return spark
        .read()
        .schema(input.schema())
        .option("basePath", inputRoot)
        .format(cfg.input().format())
        .load(paths);
  }

  /** A committed quantile plan is reused (stable shard identity) unless a re-plan is asked for. */
  private Optional<ShardPlan> reusablePlan(JobConfig cfg, Optional<Manifest> previous) {
    ShardingConfig s = cfg.sharding();
    if (replan || s.quantiles() == null || previous.isEmpty()) {
      return Optional.empty();
    }
    Manifest.PlanEntry stored = previous.get().plan();
    if (!"quantiles".equals(stored.origin()) || !stored.key().equals(s.key())) {
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    List<KeyRange> ranges = new ArrayList<>();
    for (Manifest.PlannedShard p : stored.shards()) {
      if ("planned".equals(p.role())) {
        names.add(p.name());
        ranges.add(new KeyRange(p.first(), p.last()));
      }
    }
    if (names.size() != s.quantiles()) {
      LOG.warn(
          "sharding.quantiles is {} but the committed plan has {} quantile shards: computing a new"
              + " plan of {} shards from the data (every shard is re-planned and scored)",
          s.quantiles(),
          names.size(),
          s.quantiles());
      return Optional.empty();
    }
    LOG.info(
        "Reusing the committed quantile plan of {} shards (pass --replan to recompute)",
        names.size());
    return Optional.of(
        ShardPlan.ofRanges(
            s.key(),
            names,
            ranges,
            "quantiles",
            io.shardscore.sharding.StrayKeyPolicy.parse(s.unmatched(), "sharding.unmatched"),
            io.shardscore.sharding.StrayKeyPolicy.parse(s.nullKeys(), "sharding.null-keys")));
  }

  private Tally score(
      Prepared p, ShardPlacement placement, Set<Integer> toScore, Path staging, String attemptId) {
    String run = p.run();
    int partitions = placement.totalPartitions();
    int[] routes = PartitionRouting.routeValues(partitions);
    Column longKey = col(p.cfg().sharding().key()).cast(DataTypes.LongType);
    List<Column> columns = new ArrayList<>();
    for (StructField f : p.carried().fields()) {
      if (!f.name().equals(ROUTE_COLUMN)) {
        columns.add(col(f.name()));
      }
    }
    columns.add(ShardAssignment.routeValue(p.plan(), placement, routes, longKey).as(ROUTE_COLUMN));
    Dataset<Row> input = p.scoringInput();
    if (toScore.size() < p.plan().shards().size()) {
      input = input.where(ShardAssignment.shardId(p.plan(), longKey).isin(toScore.toArray()));
    }
    Dataset<Row> routed =
        input.select(columns.toArray(Column[]::new)).repartition(partitions, col(ROUTE_COLUMN));
    ScoringTask task =
        new ScoringTask(
            run,
            attemptId,
            staging.toString(),
            p.plan(),
            placement,
            routes,
            p.featureLayout(),
            p.layout(),
            p.spec(),
            p.source(),
            p.cfg().scoring().batchSize(),
            p.started() * 1000L,
            new HadoopConf(p.hadoop()),
            p.cfg().scoring().devicePolicy(),
            p.cfg().scoring().queueSettings());
    spark
        .sparkContext()
        .setJobDescription("shardscore " + run + ": score " + partitions + " partitions");
    List<TaskOutcome> outcomes;
    TaskDrain drain = new TaskDrain(spark.sparkContext(), "shardscore-" + run + "-" + attemptId);
    try {
      JavaRDD<TaskOutcome> scoring =
          routed.queryExecution().toRdd().toJavaRDD().mapPartitions(new PartitionScorer(task));
      ResourceProfile profile = GpuStageProfile.of(p.cfg().scoring(), spark);
      outcomes = (profile == null ? scoring : scoring.withResources(profile)).collect();
    } catch (Exception e) { // SparkException is checked but undeclared by Scala
      drain.cancelAndWait();
      Optional<DeviceUnavailableException> device = cause(e, DeviceUnavailableException.class);
      if (device.isPresent()) {
        throw new ScoringFailedException(
            ScoringFailedException.Reason.DEVICE_UNAVAILABLE,
            device.get().getMessage()
                + " Nothing was scored or committed; "
                + p.outputRoot()
                + " is unchanged.",
            e);
      }
      throw new ScoringFailedException(
          ScoringFailedException.Reason.TASK_FAILED,
          "Scoring failed, nothing was committed and "
              + p.outputRoot()
              + " is unchanged: "
              + StoreErrors.problem("output.path", p.outputRoot(), e, p.hadoop())
                  .map(m -> m.substring(0, m.length() - 1))
                  .orElse(rootMessage(e))
              + ". Shards whose tasks all finished are kept under "
              + staging
              + ": rerun the same job (any run id, any mode) and it scores only the unfinished"
              + " shards; the commit that resumes them removes that folder.",
          e);
    } finally {
      drain.restore();
      spark.sparkContext().setJobDescription(null);
    }
    return Tally.of(outcomes, partitions);
  }

  private ScoreResult result(Prepared p, Manifest m, Tally tally, int tasks, boolean committed) {
    List<ShardStatus> statuses = new ArrayList<>();
    Map<String, Manifest.ShardEntry> entries = new HashMap<>();
    m.shards().forEach(e -> entries.put(e.name(), e));
    for (ShardChange c : p.changes().changes()) {
      Manifest.ShardEntry e = entries.get(c.name());
      long rows = e == null ? 0 : e.rows();
      long errors = e == null ? 0 : e.errorRows();
      String status;
      int parts = 0;
      if (committed && c.status().scores()) {
        Shard s = p.plan().shard(c.shardId());
        status =
            tally.resumedShards.contains(c.shardId())
                ? "resumed"
                : rows + errors == 0 ? "empty" : s.scored() ? "scored" : "rejected";
        parts = tally.byShard.getOrDefault(c.shardId(), List.of()).size();
      } else {
        status = committed ? c.status().label() : "unchanged";
      }
      statuses.add(
          new ShardStatus(
              c.shardId(),
              c.name(),
              c.covers(),
              status,
              rows,
              errors,
              parts,
              e == null ? 0 : e.files().size()));
    }
    Tally t = tally == null ? Tally.empty() : tally;
    return new ScoreResult(
        p.run(),
        m.version(),
        p.outputRoot().toString(),
        p.census().totalRows(),
        m.totalRows(),
        m.totalErrorRows(),
        t.rowsIn,
        t.batches,
        statuses,
        System.currentTimeMillis() - p.started(),
        t.modelNanos / 1_000_000,
        t.loadsByExecutor,
        t.devicesByExecutor(),
        tasks,
        p.changes().changes(),
        committed,
        spark);
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
      throw new JobConfigException(StoreErrors.explain("input.path", inputPath, e, hadoop));
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
    } catch (Exception e) { // SparkException is checked but undeclared by Scala
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

  /**
   * Every carried column must hash by value, since tasks fingerprint the rows they score: a column
   * of a type that cannot (variant, say) is refused here, on the driver, before any task starts.
   */
  private static void requireHashable(StructType carried) {
    try {
      new RowHasher(carried, ROUTE_COLUMN);
    } catch (IllegalArgumentException e) {
      throw new JobConfigException(e.getMessage());
    }
  }

  /**
   * Column names shardscore adds must not collide with input columns that reach its files: the
   * passthrough columns (data files, with the predictions) and every carried column — key and
   * features too — (error files, with {@code error_reason}).
   */
  private static void requireNoNameClash(
      List<String> passthrough, StructType carried, PredictionColumns predictions) {
    List<String> added = new ArrayList<>();
    predictions.fields().forEach(f -> added.add(f.name()));
    added.addAll(JobConfigValidator.PROVENANCE_COLUMNS);
    added.add(JobConfigValidator.ERROR_REASON_COLUMN);
    added.add("shard");
    List<String> reserved = new ArrayList<>(JobConfigValidator.PROVENANCE_COLUMNS);
    reserved.add(JobConfigValidator.ERROR_REASON_COLUMN);
    reserved.add("shard");
    for (StructField f : carried.fields()) {
      String c = f.name();
      boolean clash = passthrough.contains(c) ? added.contains(c) : reserved.contains(c);
      if (clash && !c.equals(ROUTE_COLUMN)) {
        throw new JobConfigException(
            "Input column '"
                + c
                + "' would collide with a column shardscore writes ("
                + String.join(", ", passthrough.contains(c) ? added : reserved)
                + "). Rename it in the input, leave it out of scoring.passthrough, or rename the"
                + " prediction column under model.outputs.");
      }
    }
  }

  private static ModelSpec modelSpec(ModelConfig model, int width, Configuration hadoop) {
    Path path = qualify(model.path(), hadoop, "model.path");
    fileSystem(path, hadoop, "model.path");
    ModelEngine engine = ModelEngine.parse(model.engine());
    String digest;
    try {
      // The model file and, for ONNX, every external-data file it references.
      digest = ModelDigest.of(engine, new io.shardscore.job.score.HadoopModelFiles(path, hadoop));
    } catch (java.io.FileNotFoundException e) {
      throw new ModelLoadException(
          "model.path " + path + " does not exist. Check the path, or build the model first.");
    } catch (IOException e) {
      throw new ModelLoadException(StoreErrors.explain("model.path", path, e, hadoop), e);
    }
    String location =
        path.toUri().getScheme() == null || "file".equals(path.toUri().getScheme())
            ? path.toUri().getPath()
            : path.toString();
    return new ModelSpec(location, engine, digest, width);
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

  private ScoringFailedException strayKeys(Dataset<Row> input, ShardPlan plan, long stray) {
    Column longKey = col(plan.keyColumn()).cast(DataTypes.LongType);
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
    return new ScoringFailedException(
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

  private Manifest manifest(Prepared p, Tally tally, String attemptId) {
    JobConfig cfg = p.cfg();
    Optional<Manifest> previous = p.previous();
    ShardPlan plan = p.plan();
    ModelSpec spec = p.spec();
    Map<String, Manifest.ShardEntry> before = new HashMap<>();
    previous.ifPresent(m -> m.shards().forEach(e -> before.put(e.name(), e)));
    List<Manifest.ShardEntry> shards = new ArrayList<>();
    List<Manifest.Move> moves = new ArrayList<>();
    for (Shard s : plan.shards()) {
      ShardChange change = p.changes().of(s.id());
      List<io.shardscore.job.change.InputFile> inputFiles =
          p.snapshot().map(x -> x.overlapping(plan, s)).orElse(null);
      if (change.status() == ShardChange.Status.KEPT) {
        // Not scored by this run: keep what its fingerprint was taken over, not today's files.
        shards.add(before.get(s.name()).withId(s.id()));
        continue;
      }
      if (change.status().keepsPrevious()) {
        // Unchanged: this run's census fingerprint (equal to the committed one) covers today's
        // files.
        Manifest.ShardEntry e = before.get(s.name());
        shards.add(
            new Manifest.ShardEntry(
                s.id(),
                e.name(),
                e.rows(),
                e.errorRows(),
                e.files(),
                e.errorFiles(),
                e.fingerprint(),
                e.modelDigest(),
                e.settingsDigest(),
                e.scoredBy(),
                p.fingerprintColumns(),
                inputFiles));
        continue;
      }
      if (!change.status().scores()) {
        continue;
      }
      List<Manifest.FileEntry> files = new ArrayList<>();
      List<Manifest.FileEntry> errors = new ArrayList<>();
      long rows = 0;
      long errorRows = 0;
      for (TaskOutcome o : tally.byShard.getOrDefault(s.id(), List.of())) {
        if (o.data() != null) {
          files.add(entry(o.data()));
          moves.add(new Manifest.Move(o.dataStagedAs(), o.data().path()));
          rows += o.data().rows();
        }
        if (o.errors() != null) {
          errors.add(entry(o.errors()));
          moves.add(new Manifest.Move(o.errorsStagedAs(), o.errors().path()));
          errorRows += o.errors().rows();
        }
      }
      shards.add(
          new Manifest.ShardEntry(
              s.id(),
              s.name(),
              rows,
              errorRows,
              files,
              errors,
              scoredFingerprint(p, s, tally),
              spec.digest(),
              p.identity(s),
              p.run(),
              p.fingerprintColumns(),
              inputFiles));
    }
    long version = previous.map(m -> m.version() + 1).orElse(1L);
    Long parent = previous.map(Manifest::version).orElse(null);
    String storeId = previous.map(Manifest::storeId).orElse(UUID.randomUUID().toString());
    Manifest draft =
        new Manifest(
            Manifest.FORMAT,
            version,
            parent,
            storeId,
            p.run(),
            attemptId,
            Instant.now().toString(),
            cfg.output().mode(),
            new Manifest.ModelEntry(
                spec.location(),
                spec.engine().djlName(),
                spec.digest(),
                tally == null ? null : tally.deviceLines()),
            ManifestBuilder.planEntry(plan),
            p.settingsDigest(),
            shards,
            p.inputEntry(),
            moves,
            List.of(),
            0);
    List<String> supersedes = new ArrayList<>();
    Set<String> live = draft.liveFiles();
    previous.ifPresent(
        m ->
            m.liveFiles().stream()
                .filter(f -> !live.contains(f))
                .sorted()
                .forEach(supersedes::add));
    long retainUntil = System.currentTimeMillis() + cfg.output().retentionPeriod().toMillis();
    return draft.onTarget(moves, supersedes, retainUntil);
  }

  /**
   * The fingerprint of the rows the tasks actually scored for a shard; when the census also
   * fingerprinted the shard, both must agree or the input changed while the job ran.
   */
  private static String scoredFingerprint(Prepared p, Shard s, Tally tally) {
    ShardFingerprint fp = ShardFingerprint.EMPTY;
    for (TaskOutcome o : tally.byShard.getOrDefault(s.id(), List.of())) {
      fp = fp.plus(new ShardFingerprint(o.rowsIn(), o.hashA(), o.hashB()));
    }
    String planned = p.census().fingerprint(s.id());
    if (planned != null && !planned.equals(fp.encoded())) {
      throw new ScoringFailedException(
          ScoringFailedException.Reason.ROWS_DO_NOT_ADD_UP,
          "Shard "
              + s.name()
              + " read other rows while scoring than when planned (fingerprint "
              + fp.encoded()
              + " vs "
              + planned
              + "): the input changed while the job ran. Nothing was committed; rerun once the"
              + " input is stable.");
    }
    return fp.encoded();
  }

  private static Manifest.FileEntry entry(WrittenFile f) {
    return new Manifest.FileEntry(f.path(), f.rows(), f.bytes(), f.crc32c());
  }

  /** Digest of the settings that change predictions or the output schema, nothing else. */
  private static String settingsDigest(
      JobConfig cfg, PredictionColumns predictions, List<String> passthrough, String columns) {
    return sha256(
        "columns="
            + columns
            + ";features="
            + cfg.model().features()
            + ";outputs="
            + predictions
            + ";passthrough="
            + passthrough
            + ";key="
            + cfg.sharding().key());
  }

  static String sha256(String canonical) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
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
    long batches;
    final Map<Integer, List<TaskOutcome>> byShard = new LinkedHashMap<>();
    final Map<String, Integer> loadsByExecutor = new LinkedHashMap<>();
    final Map<String, SortedSet<String>> devices = new TreeMap<>();

    Map<String, List<String>> devicesByExecutor() {
      Map<String, List<String>> out = new TreeMap<>();
      devices.forEach((k, v) -> out.put(k, List.copyOf(v)));
      return out;
    }

    /** Distinct {@code executor N: device} lines, for the manifest. */
    List<String> deviceLines() {
      List<String> out = new ArrayList<>();
      devices.forEach((k, v) -> v.forEach(d -> out.add("executor " + k + ": " + d)));
      return out;
    }

    final Set<Integer> resumedShards = new HashSet<>();

    /** Adds outcomes of shards finished by an earlier, uncommitted run. */
    void addResumed(Map<Integer, List<TaskOutcome>> resumed) {
      resumed.forEach(
          (shardId, outcomes) -> {
            resumedShards.add(shardId);
            for (TaskOutcome o : outcomes) {
              rowsIn += o.rowsIn();
              scored += o.rowsScored();
              rejected += o.rowsRejected();
              byShard.computeIfAbsent(shardId, k -> new ArrayList<>()).add(o);
            }
          });
    }

    static Tally empty() {
      return new Tally();
    }

    static Tally of(List<TaskOutcome> outcomes, int partitions) {
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
        t.batches += o.batches();
        t.byShard.computeIfAbsent(o.shardId(), k -> new ArrayList<>()).add(o);
        t.loadsByExecutor.merge(o.executorId(), o.modelLoadsInJvm(), Math::max);
        if (o.device() != null) {
          t.devices.computeIfAbsent(o.executorId(), k -> new TreeSet<>()).add(o.device());
        }
      }
      for (int p = 0; p < partitions; p++) {
        if (!seen[p]) {
          throw new CommitException("partition " + p + " reported no outcome");
        }
      }
      return t;
    }
  }

  private static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }
}

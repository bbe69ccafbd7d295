package io.shardscore.job;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.config.Batching;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.ModelConfig;
import io.shardscore.job.config.ModelOutputs;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.config.ScoringConfig;
import io.shardscore.job.config.Settings;
import io.shardscore.job.config.ShardingConfig;
import io.shardscore.job.config.TextConfig;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.run.PreparedRun;
import io.shardscore.job.run.RunOptions;
import io.shardscore.job.run.RunSetup;
import io.shardscore.job.run.ScoreRun;
import io.shardscore.model.DevicePolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The options of a scoring run, fluently: each call returns {@code this}, and calls may come in any
 * order. {@link #execute()} prepares the run ({@link RunSetup}: every driver check, once) and runs
 * it ({@link ScoreRun}); the CLI and spark-submit are thin wrappers over this class.
 */
public final class ScoreJob {
  private static final Pattern SAFE_RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

  private final SparkSession spark;
  private JobConfig config =
      new JobConfig(null, null, null, null, ScoringConfig.defaults(), Map.of());
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
    config = config.with(Settings.INPUT_PATH, path);
    return this;
  }

  /**
   * Reads {@code path} as {@code format} with Spark reader {@code options}, e.g. {@code
   * input("data/customers.csv", "csv", Map.of("header", "true", "inferSchema", "true"))}.
   */
  public ScoreJob input(String path, String format, Map<String, String> options) {
    config =
        config
            .with(Settings.INPUT_PATH, path)
            .with(Settings.INPUT_FORMAT, format)
            .with(Settings.INPUT_OPTIONS, options);
    return this;
  }

  public ScoreJob output(String path) {
    config = config.with(Settings.OUTPUT_PATH, path);
    return this;
  }

  public ScoreJob mode(OutputMode mode) {
    config = config.with(Settings.OUTPUT_MODE, mode.configName());
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
    return sharding(new ShardingConfig(key, list, null, null, null, null, null, maxRows()));
  }

  /**
   * Shards by value lists: each entry of {@code values} is a shard holding exactly the key values
   * listed, e.g. {@code {emea: [DE, FR], amer: [US, CA]}}. A {@link LinkedHashMap} or {@link
   * SortedMap} keeps its order; any other map (such as {@code Map.of}, whose order changes from one
   * JVM to the next) is taken in shard-name order, so the plan is the same at every run.
   */
  public ScoreJob shardByValues(String key, Map<String, List<String>> values) {
    Map<String, List<String>> ordered =
        values instanceof LinkedHashMap || values instanceof SortedMap
            ? values
            : new TreeMap<>(values);
    return sharding(new ShardingConfig(key, null, ordered, null, null, null, null, maxRows()));
  }

  public ScoreJob shardByHash(String key, int buckets) {
    return sharding(new ShardingConfig(key, null, null, buckets, null, null, null, maxRows()));
  }

  public ScoreJob shardByQuantiles(String key, int shards) {
    return sharding(new ShardingConfig(key, null, null, null, shards, null, null, maxRows()));
  }

  public ScoreJob maxRowsPerPartition(long rows) {
    config = config.with(Settings.MAX_ROWS_PER_PARTITION, rows);
    return this;
  }

  private Long maxRows() {
    return config.sharding() == null ? null : config.sharding().maxRowsPerPartition();
  }

  /** The model file and its input columns in tensor order ({@code name[n]} for arrays). */
  public ScoreJob model(String path, List<String> features) {
    config = config.with(Settings.MODEL_PATH, path).with(Settings.FEATURES, features);
    return this;
  }

  /**
   * A text model (TorchScript or ONNX) whose {@code tokenizer.json} lies beside it, reading each
   * row's text as {@code text} says, e.g. {@code TextConfig.column("review").maxLength(64)}.
   */
  public ScoreJob textModel(String path, TextConfig text) {
    config = config.with(Settings.MODEL_PATH, path);
    config = config.withModel(config.model().withText(text));
    return this;
  }

  public ScoreJob modelOutputs(ModelOutputs outputs) {
    ModelConfig m = config.model();
    config =
        config.withModel(
            m == null ? new ModelConfig(null, null, null, outputs, null) : m.withOutputs(outputs));
    return this;
  }

  public ScoreJob batchSize(int rows) {
    config = config.with(Settings.BATCH_SIZE, rows);
    return this;
  }

  public ScoreJob passthrough(List<String> columns) {
    config = config.with(Settings.PASSTHROUGH, columns);
    return this;
  }

  public ScoreJob maxErrorFraction(double fraction) {
    config = config.with(Settings.MAX_ERROR_FRACTION, fraction);
    return this;
  }

  /** Where the model runs (see {@link DevicePolicy}). */
  public ScoreJob device(DevicePolicy policy) {
    return device(policy.configName());
  }

  /** Where the model runs: {@code cpu}, {@code gpu} or {@code auto} (see {@link DevicePolicy}). */
  public ScoreJob device(String policy) {
    config = config.with(Settings.DEVICE, policy);
    return this;
  }

  /** {@code per-task} or {@code queue}: whether tasks' batches are coalesced per device. */
  public ScoreJob batching(String mode) {
    config = config.with(Settings.BATCHING, mode);
    return this;
  }

  /** Whether tasks' batches are coalesced per device (see {@link Batching}). */
  public ScoreJob batching(Batching mode) {
    return batching(mode.configName());
  }

  /** Runs the scoring stage under a task resource profile asking this many GPUs per task. */
  public ScoreJob gpusPerTask(double gpus) {
    config = config.with(Settings.GPUS_PER_TASK, gpus);
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

  /**
   * Previews the run against the committed output, as an incremental run would see it, without
   * scoring or changing anything.
   */
  public ChangePlan plan() {
    return RunSetup.prepare(spark, options(), false).changes();
  }

  /**
   * Prepares the run: every driver check and the census over the input. {@link
   * #execute(PreparedRun)} runs it without reading the input again; {@code changes()} shows what it
   * will do.
   */
  public PreparedRun prepare() {
    return RunSetup.prepare(spark, options(), true);
  }

  /** Runs the job and commits its output. */
  public ScoreResult execute() {
    return ScoreRun.execute(spark, prepare());
  }

  /** Runs a run {@link #prepare() prepared} by this job and commits its output. */
  public ScoreResult execute(PreparedRun prepared) {
    if (!prepared.forExecution() || !prepared.options().equals(options())) {
      throw new IllegalArgumentException(
          "This prepared run was not prepared by this job's prepare() with its current options;"
              + " call prepare() again (plan() only previews).");
    }
    return ScoreRun.execute(spark, prepared);
  }

  private RunOptions options() {
    return new RunOptions(config, inputFrame, runId, replan, verifyContent, selectedShards);
  }
}

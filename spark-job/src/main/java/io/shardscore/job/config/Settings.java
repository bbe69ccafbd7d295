package io.shardscore.job.config;

import io.shardscore.model.DevicePolicy;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.OutputType;
import io.shardscore.sharding.StrayKeyPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every job setting, each declared once: key, type, default, allowed values, doc and flag. The
 * config records take their defaults from here, {@link JobConfigValidator} its range and choice
 * checks, the {@code run}, {@code plan} and {@code validate} commands their override flags, and
 * README's config reference is checked against it ({@code SettingsReadmeTest}).
 */
public final class Settings {
  public static final Setting<String> INPUT_PATH =
      Setting.of("input.path", ValueType.TEXT)
          .required("set it to the data to score, e.g. 'data/customers'")
          .flag("--input", "PATH")
          .doc("data to score; `file:`, `hdfs:`, `s3a:` or a plain path (or set `input.table`)")
          .build();
  public static final Setting<String> INPUT_FORMAT =
      Setting.of("input.format", ValueType.TEXT)
          .defaultValue("parquet")
          .doc(
              "Spark data source name: `parquet`, `csv`, `json`, `orc`, or any source on the classpath")
          .build();
  public static final Setting<String> INPUT_TABLE =
      Setting.of("input.table", ValueType.TEXT)
          .doc(
              "a table of the session's catalogs instead of a path: `catalog.db.table` (Iceberg,"
                  + " Delta, Hive...)")
          .build();
  public static final Setting<String> INPUT_WHERE =
      Setting.of("input.where", ValueType.TEXT)
          .doc("a SQL filter on the table's rows, e.g. `region = 'emea'`; tables only")
          .build();
  public static final Setting<String> INPUT_VERSION =
      Setting.of("input.version", ValueType.TEXT)
          .doc(
              "the table snapshot/version to read (`versionAsOf`); default the current one,"
                  + " recorded in the manifest")
          .build();
  public static final Setting<Map<String, String>> INPUT_OPTIONS =
      Setting.of("input.options", ValueType.MAP)
          .doc(
              "options for Spark's reader, e.g. `{header: true, inferSchema: true, delimiter: ';'}`"
                  + " for CSV; names checked for the built-in formats; shown by `plan`")
          .build();

  public static final Setting<String> OUTPUT_PATH =
      Setting.of("output.path", ValueType.TEXT)
          .required("set it to a folder for the results, e.g. 'out/scores'")
          .flag("--output", "PATH")
          .doc("output root; must not overlap `input.path`")
          .build();
  public static final Setting<String> OUTPUT_MODE =
      Setting.choice("output.mode", OutputMode.ERROR_IF_EXISTS)
          .fix("use error-if-exists (default), overwrite or incremental")
          .flag("--mode", "MODE")
          .doc(
              "`error-if-exists`: refuse an output that holds a commit; `overwrite`: write the new"
                  + " files, commit, then delete the old ones; `incremental`: score only new or"
                  + " changed shards, keep the rest byte-identical, remove shards that no longer"
                  + " exist")
          .build();
  public static final Setting<String> OUTPUT_RETENTION =
      Setting.of("output.retention", ValueType.TEXT)
          .defaultValue("0")
          .fix(Retention.FIX)
          .check((key, value) -> Retention.parse(value, key))
          .doc(
              "how long files superseded by a commit stay (`90s`, `30m`, `12h`, `7d`); `0` deletes"
                  + " them right after the commit")
          .build();
  public static final Setting<String> OUTPUT_TABLE =
      Setting.of("output.table", ValueType.TEXT)
          .doc(
              "an Iceberg table `catalog.db.name` kept equal to the committed scored rows: one"
                  + " table commit after each run's commit, nothing before it")
          .build();

  public static final Setting<String> SHARDING_KEY =
      Setting.of("sharding.key", ValueType.TEXT)
          .required("name the key column, e.g. 'customer_id'")
          .doc(
              "shard key column: integral, `string`, `date`, `timestamp` or `decimal(p,s)` with"
                  + " p ≤ 18")
          .build();
  public static final Setting<List<ShardingConfig.NamedRange>> SHARDING_RANGES =
      Setting.of("sharding.ranges", ValueType.RANGES)
          .doc(
              "sorted, non-overlapping inclusive ranges (`MIN`/`MAX` allowed): `first-last` for"
                  + " integral keys, `first..last` for the others (`2026-01-01..2026-03-31`,"
                  + " `0.00..99.99`, `\"A\"..\"M\"`), as a string, a list, or `{name, range}`"
                  + " entries")
          .build();
  public static final Setting<Map<String, List<String>>> SHARDING_VALUES =
      Setting.of("sharding.values", ValueType.VALUES)
          .doc(
              "value lists, shard name to its key values (`{emea: [DE, FR], amer: [US, CA]}`);"
                  + " exact match, text case-sensitive; other values follow `unmatched`")
          .build();
  public static final Setting<Integer> HASH_BUCKETS =
      Setting.of("sharding.hash-buckets", ValueType.INT)
          .atLeast(1)
          .atMost(100_000)
          .doc("number of hash buckets (1–100000)")
          .build();
  public static final Setting<Integer> QUANTILES =
      Setting.of("sharding.quantiles", ValueType.INT)
          .atLeast(1)
          .atMost(10_000)
          .doc("number of quantile ranges (1–10000); integral, date, timestamp or decimal keys")
          .build();
  public static final Setting<String> UNMATCHED =
      Setting.choice("sharding.unmatched", StrayKeyPolicy.ERRORS)
          .doc(
              "keys outside every range or value list: own `unmatched` shard, errors, or fail the"
                  + " run")
          .build();
  public static final Setting<String> NULL_KEYS =
      Setting.choice("sharding.null-keys", StrayKeyPolicy.ERRORS)
          .doc("null keys: own `null-key` shard, errors, or fail the run")
          .build();
  public static final Setting<Long> MAX_ROWS_PER_PARTITION =
      Setting.of("sharding.max-rows-per-partition", ValueType.LONG)
          .defaultValue(1_000_000L)
          .atLeast(1)
          .fix("use a positive row budget, e.g. 1000000")
          .flag("--max-rows-per-partition", "ROWS")
          .doc(
              "row budget of one task; larger shards are split across tasks by a hash of each"
                  + " row (one hot key value is split too) and keep their shard")
          .build();

  public static final Setting<String> MODEL_PATH =
      Setting.of("model.path", ValueType.TEXT)
          .required("set it to the model file, e.g. 'models/churn.onnx'")
          .flag("--model", "FILE")
          .doc(
              "model file (ONNX, TorchScript `.pt`, LightGBM `model.txt`, XGBoost"
                  + " `.json`/`.ubj`), readable by the driver and every executor (local path or"
                  + " Hadoop URI)")
          .build();
  public static final Setting<String> MODEL_ENGINE =
      Setting.of("model.engine", ValueType.TEXT)
          .defaultDoc(
              "from the file name: `.pt`/`.torchscript` PyTorch, `.txt` LightGBM, `.json`/`.ubj`"
                  + " XGBoost, any other (`.onnx`) OnnxRuntime")
          .check((key, value) -> ModelEngine.parse(value, key))
          .doc(
              "engine: `OnnxRuntime`, `PyTorch`, `LightGBM` or `XGBoost` (see [Models and"
                  + " engines](#models-and-engines))")
          .build();
  public static final Setting<String> MODEL_OUTPUT_TYPE =
      Setting.choice("model.output-type", OutputType.PROBABILITY)
          .fix("use probability or raw")
          .doc(
              "what a LightGBM or XGBoost model returns per row: `probability`, or `raw` (the"
                  + " trees' raw score or margin, before the sigmoid or softmax); ONNX and"
                  + " TorchScript models take only `probability` (their graph's output as it is)")
          .build();
  public static final Setting<List<String>> FEATURES =
      Setting.of("model.features", ValueType.LIST)
          .required(
              "list the input columns in the model's order, e.g. [age, spend[6]] (or set"
                  + " model.inputs for a model of named inputs, model.text.column for a text"
                  + " model)")
          .doc(
              "input columns in tensor order; scalars count 1, `name[n]` arrays count n; not for"
                  + " a text model (`model.text`)")
          .build();
  public static final Setting<Map<String, List<String>>> INPUTS =
      Setting.of("model.inputs", ValueType.VALUES)
          .doc(
              "a model of several named inputs: input name to its columns, in the model's order"
                  + " (`{dense: [age, spend[6]], ids: [region_id, plan_id]}`); instead of"
                  + " `model.features` (see [Named inputs](#named-inputs))")
          .build();
  public static final Setting<Map<String, String>> INPUT_TYPES =
      Setting.of("model.input-types", ValueType.MAP)
          .doc(
              "element type per named input: `float32` (default), `float64` (carried exactly),"
                  + " `int32` or `int64` (whole numbers up to 2^24 in magnitude); also per mask"
                  + " input of `model.masks` (`int64` by default)")
          .build();
  public static final Setting<Map<String, String>> MASKS =
      Setting.of("model.masks", ValueType.MAP)
          .doc(
              "per sequence input (an input of one `column[..n]` array of any length up to n),"
                  + " the model's mask input fed right after it: 1 for values, 0 for padding"
                  + " (`int64` unless `model.input-types` names another type)")
          .build();
  public static final Setting<String> TEXT_COLUMN =
      Setting.of("model.text.column", ValueType.TEXT)
          .doc(
              "a text model's input: the string column each row's text is read from (see [Text"
                  + " models](#text-models)); instead of `model.features`")
          .build();
  public static final Setting<String> TEXT_TOKENIZER =
      Setting.of("model.text.tokenizer", ValueType.TEXT)
          .defaultValue("tokenizer.json")
          .doc(
              "the HuggingFace `tokenizer.json`, relative to the model's folder; its bytes are"
                  + " part of the model's digest")
          .build();
  public static final Setting<Integer> TEXT_MAX_LENGTH =
      Setting.of("model.text.max-length", ValueType.INT)
          .defaultValue(128)
          .atLeast(1)
          .atMost(io.shardscore.model.TextInput.MAX_LENGTH)
          .fix("use the sequence length the model was exported with, e.g. 128")
          .doc(
              "tokens per row the model takes, special tokens included; shorter texts are"
                  + " padded to it")
          .build();
  public static final Setting<Boolean> TEXT_TRUNCATION =
      Setting.of("model.text.truncation", ValueType.BOOLEAN)
          .defaultValue(true)
          .doc(
              "`true` cuts a longer text to `max-length` tokens; `false` sends its row to"
                  + " `_errors` with its token count")
          .build();
  public static final Setting<Boolean> TEXT_ATTENTION_MASK =
      Setting.of("model.text.attention-mask", ValueType.BOOLEAN)
          .defaultValue(false)
          .doc(
              "`true` feeds the attention mask (1 per token, 0 per pad) as the model's second"
                  + " input, after the ids")
          .build();
  public static final Setting<String> TEXT_PADDING =
      Setting.choice("model.text.padding", io.shardscore.model.TextPadding.MAX_LENGTH)
          .fix("use max-length or longest")
          .doc(
              "`max-length` pads every row to `max-length`; `longest` feeds each batch"
                  + " `[batch, longest]`, its longest row's tokens (less work on short texts; the"
                  + " model must take any length)")
          .build();
  public static final Setting<String> MODEL_LABELS =
      Setting.of("model.labels", ValueType.TEXT)
          .doc(
              "class names beside the model, one per line in output order (DJL's `synset.txt`),"
                  + " relative to the model's folder; part of the model's digest; feeds"
                  + " `outputs.label-name` and `outputs.top-k`")
          .build();
  public static final Setting<String> PROBABILITIES =
      Setting.of("model.outputs.probabilities", ValueType.TEXT)
          .defaultValue("probabilities")
          .doc("column for the model's whole output row (`array<float>`); `\"\"` leaves it out")
          .build();
  public static final Setting<String> SCORE =
      Setting.of("model.outputs.score", ValueType.TEXT)
          .defaultValue("score")
          .doc("column for one value of that row (`float`); `\"\"` leaves it out")
          .build();
  public static final Setting<Integer> SCORE_INDEX =
      Setting.of("model.outputs.score-index", ValueType.INT)
          .atLeast(0)
          .defaultDoc("the last")
          .doc("which value of the row `score` takes (the positive class of a binary classifier)")
          .build();
  public static final Setting<String> LABEL =
      Setting.of("model.outputs.label", ValueType.TEXT)
          .defaultValue("label")
          .doc("column for the index of the largest value (`int`); `\"\"` leaves it out")
          .build();

  public static final Setting<String> LABEL_NAME =
      Setting.of("model.outputs.label-name", ValueType.TEXT)
          .defaultDoc("`label_name` when `model.labels` is set")
          .doc("column for the class name of the largest value (`string`); `\"\"` leaves it out")
          .build();
  public static final Setting<Integer> TOP_K =
      Setting.of("model.outputs.top-k", ValueType.INT)
          .atLeast(1)
          .defaultDoc("none")
          .doc(
              "write the k largest values and their class names, largest first (ties: lower"
                  + " index first); needs `model.labels`")
          .build();
  public static final Setting<String> TOP_LABELS =
      Setting.of("model.outputs.top-labels", ValueType.TEXT)
          .defaultValue("top_labels")
          .doc("column for the top-k class names (`array<string>`)")
          .build();
  public static final Setting<String> TOP_SCORES =
      Setting.of("model.outputs.top-scores", ValueType.TEXT)
          .defaultValue("top_scores")
          .doc("column for the top-k values (`array<float>`)")
          .build();

  public static final Setting<String> OUTPUT_FROM =
      Setting.of("model.outputs.from", ValueType.TEXT)
          .defaultDoc("the model's first output")
          .doc(
              "the output tensor the columns above are taken from: an ONNX output's name, or a"
                  + " TorchScript tuple's position (`0`, `1`, ...)")
          .build();
  public static final Setting<Map<String, String>> OUTPUT_TENSORS =
      Setting.of("model.outputs.tensors", ValueType.MAP)
          .doc(
              "other output tensors written whole, one `array<float>` column each: tensor name"
                  + " (or position) to column, e.g. `{embedding: customer_embedding}`")
          .build();

  public static final Setting<Integer> BATCH_SIZE =
      Setting.of("scoring.batch-size", ValueType.INT)
          .defaultValue(1024)
          .atLeast(1)
          .atMost(1_000_000)
          .hint("1024 is a good start")
          .flag("--batch-size", "ROWS")
          .doc("rows per model call")
          .build();
  public static final Setting<List<String>> PASSTHROUGH =
      Setting.of("scoring.passthrough", ValueType.LIST)
          .defaultDoc("all columns")
          .doc("input columns copied to the output")
          .build();
  public static final Setting<Double> MAX_ERROR_FRACTION =
      Setting.of("scoring.max-error-fraction", ValueType.DECIMAL)
          .defaultValue(0.01)
          .atLeast(0)
          .atMost(1)
          .fix("use a fraction from 0 (no bad rows allowed) to 1")
          .flag("--max-error-fraction", "F")
          .doc("the run does not commit if more rows than this are unscorable")
          .build();
  public static final Setting<String> DEVICE =
      Setting.choice("scoring.device", DevicePolicy.CPU)
          .fix("use cpu, gpu or auto")
          .flag("--device", "cpu|gpu|auto")
          .doc(
              "`cpu`; `gpu` (the GPU Spark assigned the task; fail fast when there is none or the"
                  + " engine cannot use it); `auto` (that GPU when usable, else the CPU with one"
                  + " warning per executor) — see [GPU executors](#gpu-executors)")
          .build();
  public static final Setting<String> BATCHING =
      Setting.choice("scoring.batching", Batching.PER_TASK)
          .fix(
              "use per-task (each task calls the model) or queue (one queue per device coalesces"
                  + " the tasks' batches)")
          .doc(
              "`per-task`: each task calls the shared model with its batches; `queue`: one queue"
                  + " per model and device coalesces the batches of all tasks of the executor")
          .build();
  public static final Setting<Integer> QUEUE_MAX_ROWS =
      Setting.of("scoring.queue-max-rows", ValueType.INT)
          .defaultValue(8192)
          .atLeast(1)
          .doc("the most rows one coalesced call takes (`batching: queue`)")
          .build();
  public static final Setting<Integer> QUEUE_MAX_WAIT_MS =
      Setting.of("scoring.queue-max-wait-ms", ValueType.INT)
          .defaultValue(2)
          .atLeast(0)
          .doc("how long the queue waits to fill a call once it holds a batch")
          .build();
  public static final Setting<Double> GPUS_PER_TASK =
      Setting.of("scoring.gpus-per-task", ValueType.DECIMAL)
          .above(0)
          .atMost(64)
          .fix("use a share of a GPU such as 0.25 (four tasks per GPU) or a whole number")
          .doc(
              "run the scoring stage (only) under its own task resource profile asking this many"
                  + " GPUs per task, e.g. `0.25`")
          .build();

  /** How to write a progress interval, as every message about one says it. */
  static final String PROGRESS_FIX =
      "use a duration such as 0 (a line at every finished task), 10s, 30s or 5m";

  public static final Setting<String> PROGRESS_INTERVAL =
      Setting.of("scoring.progress-interval", ValueType.TEXT)
          .defaultValue("30s")
          .fix(PROGRESS_FIX)
          .check((key, value) -> Retention.parse(value, key, PROGRESS_FIX))
          .doc(
              "how often the driver prints a progress line while the scoring stage runs (`10s`,"
                  + " `5m`); `0` prints one at every finished task — see [Progress](#progress)")
          .build();

  /** The job's {@code spark:} map (Spark and Hadoop settings), as a whole. */
  public static final Setting<Map<String, String>> SPARK =
      Setting.of("spark.*", ValueType.MAP)
          .check((key, value) -> SparkSettings.check(value, "in the spark: section"))
          .doc("Spark settings used when shardscore creates the session")
          .build();

  private static final List<Setting<?>> ALL =
      List.of(
          INPUT_PATH,
          INPUT_FORMAT,
          INPUT_OPTIONS,
          INPUT_TABLE,
          INPUT_WHERE,
          INPUT_VERSION,
          OUTPUT_PATH,
          OUTPUT_MODE,
          OUTPUT_RETENTION,
          OUTPUT_TABLE,
          SHARDING_KEY,
          SHARDING_RANGES,
          SHARDING_VALUES,
          HASH_BUCKETS,
          QUANTILES,
          UNMATCHED,
          NULL_KEYS,
          MAX_ROWS_PER_PARTITION,
          MODEL_PATH,
          MODEL_ENGINE,
          MODEL_OUTPUT_TYPE,
          FEATURES,
          INPUTS,
          INPUT_TYPES,
          MASKS,
          TEXT_COLUMN,
          TEXT_TOKENIZER,
          TEXT_MAX_LENGTH,
          TEXT_TRUNCATION,
          TEXT_ATTENTION_MASK,
          TEXT_PADDING,
          MODEL_LABELS,
          PROBABILITIES,
          SCORE,
          SCORE_INDEX,
          LABEL,
          LABEL_NAME,
          TOP_K,
          TOP_LABELS,
          TOP_SCORES,
          OUTPUT_FROM,
          OUTPUT_TENSORS,
          BATCH_SIZE,
          PASSTHROUGH,
          MAX_ERROR_FRACTION,
          DEVICE,
          BATCHING,
          QUEUE_MAX_ROWS,
          QUEUE_MAX_WAIT_MS,
          GPUS_PER_TASK,
          PROGRESS_INTERVAL,
          SPARK);

  private Settings() {}

  /** Every setting, in the order of the config reference. */
  public static List<Setting<?>> all() {
    return ALL;
  }

  /** The setting with this key, e.g. {@code scoring.batch-size}. */
  public static Optional<Setting<?>> named(String key) {
    String k = key == null ? "" : key.trim();
    return ALL.stream().filter(s -> s.key().equals(k)).findFirst();
  }
}

package io.shardscore.job.config;

import io.shardscore.model.InputType;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.OutputType;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.ShardingException;
import io.shardscore.sharding.StrayKeyPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks everything about a {@link JobConfig} that needs no data: each setting against its
 * declaration in {@link Settings} (required keys, value ranges, choices), then what involves
 * several settings (sharding strategy, ranges, feature and output names, paths). Reports every
 * problem at once, each naming the key, the bad value and the fix.
 */
public final class JobConfigValidator {
  /** Columns shardscore adds to every output row. */
  public static final List<String> PROVENANCE_COLUMNS =
      List.of("model_digest", "run_id", "scored_at");

  /** Column holding the reason in {@code _errors}. */
  public static final String ERROR_REASON_COLUMN = "error_reason";

  private JobConfigValidator() {}

  public static JobConfig validate(JobConfig config) {
    return validate(config, false);
  }

  /**
   * Validates {@code config}; {@code inputGiven} is true when the caller passes the input as a
   * Dataset, so {@code input.path} is not needed.
   */
  public static JobConfig validate(JobConfig config, boolean inputGiven) {
    List<String> problems = new ArrayList<>();
    // Absent input and output sections are checked as empty ones: their paths are missing.
    JobConfig probe =
        config
            .withInput(config.input() == null ? new InputConfig(null, null) : config.input())
            .withOutput(config.output() == null ? new OutputConfig(null, null) : config.output());
    boolean table = config.input() != null && config.input().isTable();
    // A text model or one of named inputs takes no model.features.
    boolean text =
        config.model() != null && (config.model().isText() || !config.model().inputs().isEmpty());
    for (Setting<?> setting : Settings.all()) {
      if (!((inputGiven || table) && setting == Settings.INPUT_PATH)
          && !(text && setting == Settings.FEATURES)) {
        problems.addAll(setting.problems(probe));
      }
    }
    if (config.input() != null
        && config.output() != null
        && !blank(config.input().path())
        && !blank(config.output().path())) {
      // The paths as written, without touching any store, so that validate reports the plain
      // case with the other problems; a run compares them resolved (symbolic links followed, see
      // store.PathOverlap) before it opens the output.
      String in = normalize(config.input().path());
      String out = normalize(config.output().path());
      if (out.equals(in) || out.startsWith(in + "/") || in.startsWith(out + "/")) {
        problems.add(
            "output.path '"
                + config.output().path()
                + "' overlaps input.path '"
                + config.input().path()
                + "'; a run would read its own results. Choose an output outside the input.");
      }
    }
    if (config.input() != null) {
      InputConfig in = config.input();
      if (in.isTable() && !blank(in.path())) {
        problems.add(
            "input sets both path ("
                + in.path()
                + ") and table ("
                + in.table()
                + "); set one: input.path for files, input.table for a catalog table.");
      }
      if (!in.isTable() && (in.where() != null || in.version() != null)) {
        problems.add(
            "input."
                + (in.where() != null ? "where" : "version")
                + " applies to a table; set input.table, or for files choose them by input.path"
                + " (a Delta folder takes input.options {versionAsOf: N}).");
      }
      if (!in.isTable()) {
        problems.addAll(InputOptions.problems(in.format(), in.options()));
      } else {
        problems.addAll(InputOptions.problemsForTable(in.options()));
        String travel = InputOptions.timeTravel(in.options());
        if (travel != null && in.version() != null) {
          problems.add(
              "input sets both version ("
                  + in.version()
                  + ") and options."
                  + travel
                  + "; both choose the snapshot to read: keep one.");
        }
      }
    }
    validateSharding(config.sharding(), problems);
    if (config.sharding() != null) {
      validateValues(config.sharding(), problems);
    }
    validateModel(config.model(), problems);
    if (!problems.isEmpty()) {
      throw new JobConfigException(problems);
    }
    return config;
  }

  /**
   * Validates only the {@code model:} and {@code scoring:} sections, as {@code shardscore serve}
   * reads a job file: the same checks and messages as {@link #validate(JobConfig)} gives them.
   */
  public static JobConfig validateModelAndScoring(JobConfig config) {
    List<String> problems = new ArrayList<>();
    boolean noFeatures =
        config.model() != null && (config.model().isText() || !config.model().inputs().isEmpty());
    for (Setting<?> setting : Settings.all()) {
      if ((setting.key().startsWith("model.") || setting.key().startsWith("scoring."))
          && !(noFeatures && setting == Settings.FEATURES)) {
        problems.addAll(setting.problems(config));
      }
    }
    validateModel(config.model(), problems);
    if (!problems.isEmpty()) {
      throw new JobConfigException(problems);
    }
    return config;
  }

  private static void validateSharding(ShardingConfig s, List<String> problems) {
    if (s == null) {
      problems.add(
          "sharding is missing; set sharding.key and one of ranges, values, hash-buckets or"
              + " quantiles.");
      return;
    }
    int strategies =
        (s.ranges() != null ? 1 : 0)
            + (s.values() != null ? 1 : 0)
            + (s.hashBuckets() != null ? 1 : 0)
            + (s.quantiles() != null ? 1 : 0);
    if (strategies != 1) {
      problems.add(
          "sharding sets "
              + strategies
              + " of ranges, values, hash-buckets, quantiles; set exactly one, e.g. ranges:"
              + " '0-999,1000-1999'.");
    }
    if (s.ranges() != null) {
      if (s.ranges().isEmpty()) {
        problems.add("sharding.ranges is empty; list at least one range, e.g. '0-999'.");
      }
      List<KeyRange> parsed = new ArrayList<>();
      List<String> names = new ArrayList<>();
      boolean typed = false;
      for (ShardingConfig.NamedRange r : s.ranges()) {
        if (r == null || blank(r.range())) {
          problems.add("sharding.ranges has an entry without a range; write e.g. '0-999'.");
        } else if (r.range().contains("..") && !integral(r.range())) {
          // first..last of a date, timestamp, decimal or string key: its bounds are checked
          // against the key column's type when the input's schema is known (plan, run).
          typed = true;
          if (r.name() != null) {
            check(problems, () -> io.shardscore.sharding.ShardName.requireSafe(r.name()));
          }
        } else {
          try {
            KeyRange range = KeyRange.parse(r.range());
            parsed.add(range);
            names.add(
                r.name() == null ? io.shardscore.sharding.RangeList.defaultName(range) : r.name());
          } catch (ShardingException e) {
            problems.add(
                e.getMessage()
                    + " (Ranges of date, timestamp, decimal and string keys are written"
                    + " first..last, e.g. 2026-01-01..2026-03-31 or \"A\"..\"M\".)");
          }
        }
      }
      if (!typed && parsed.size() == s.ranges().size() && !parsed.isEmpty()) {
        // Order, overlaps, names: the same checks the plan makes, before any data is read.
        check(
            problems,
            () ->
                io.shardscore.sharding.ShardPlan.ofRanges(
                    blank(s.key()) ? "key" : s.key(),
                    names,
                    parsed,
                    "ranges",
                    StrayKeyPolicy.FAIL,
                    StrayKeyPolicy.FAIL));
      }
    }
  }

  /** True when {@code range} is an integral range, e.g. {@code 0..999}. */
  private static boolean integral(String range) {
    try {
      KeyRange.parse(range);
      return true;
    } catch (ShardingException e) {
      return false;
    }
  }

  /**
   * Value lists: path-safe shard names, at least one value each, no value in two shards (compared
   * as written; values that are equal only as the key's type, {@code 1.0} and {@code 1.00}, are
   * found when the plan reads them as that type).
   */
  private static void validateValues(ShardingConfig s, List<String> problems) {
    if (s.values() == null) {
      return;
    }
    if (s.values().isEmpty()) {
      problems.add(
          "sharding.values is empty; list shards with their values, e.g. {emea: [DE, FR]}.");
      return;
    }
    java.util.Map<String, String> shardOf = new java.util.HashMap<>();
    s.values()
        .forEach(
            (name, values) -> {
              check(problems, () -> io.shardscore.sharding.ShardName.requireSafe(name));
              if (values == null || values.isEmpty()) {
                problems.add(
                    "sharding.values shard '"
                        + name
                        + "' lists no values; give it at least one, e.g. "
                        + name
                        + ": [DE, FR].");
                return;
              }
              for (String v : values) {
                if (v == null) {
                  problems.add(
                      "sharding.values shard '"
                          + name
                          + "' lists a null value; null keys follow sharding.null-keys instead.");
                  continue;
                }
                String before = shardOf.putIfAbsent(v, name);
                if (before != null && !before.equals(name)) {
                  problems.add(
                      "Value '"
                          + v
                          + "' is listed in shards '"
                          + before
                          + "' and '"
                          + name
                          + "'; a value must belong to one shard. Remove it from one of them.");
                }
              }
            });
    for (String reserved :
        List.of(
            io.shardscore.sharding.ShardPlan.UNMATCHED_SHARD_NAME,
            io.shardscore.sharding.ShardPlan.NULL_KEY_SHARD_NAME)) {
      if (s.values().containsKey(reserved)) {
        problems.add(
            "Shard name '"
                + reserved
                + "' is reserved for stray keys; rename that shard under sharding.values.");
      }
    }
  }

  private static void validateModel(ModelConfig m, List<String> problems) {
    if (m == null) {
      problems.add("model is missing; set model.path and model.features.");
      return;
    }
    // A folder names its engine in its serving.properties or by its model file: checked when the
    // run binds the model instead.
    boolean file =
        m.path() != null && m.path().matches("(?i).*\\.(onnx|pt|torchscript|json|ubj|txt)$");
    if (m.path() != null && (file || !blank(m.engine()))) {
      // The engine (named, or from the file name) and whether it gives raw scores.
      check(
          problems,
          () -> {
            ModelEngine engine = m.modelEngine();
            if (engine.returnsGraphOutput() && m.modelOutputType() == OutputType.RAW) {
              throw new JobConfigException(
                  "model.output-type is 'raw', but "
                      + m.path()
                      + " runs on "
                      + engine.djlName()
                      + ", which returns what the model's graph computes; raw scores are for"
                      + " LightGBM and XGBoost models. Leave model.output-type out.");
            }
          });
    }
    if (m.text() != null && !m.isText()) {
      problems.add(
          "model.text is set without model.text.column; name the string column the model's"
              + " text is read from.");
    }
    if (m.text() != null) {
      check(problems, () -> m.text().textPadding());
    }
    if (!m.inputs().isEmpty()) {
      if (!m.features().isEmpty()) {
        problems.add(
            "model sets both features and inputs; a model of named inputs lists its columns under"
                + " model.inputs only. Leave model.features out.");
      }
      for (Map.Entry<String, List<String>> e : m.inputs().entrySet()) {
        // `events:` with nothing after it reads as null: as empty as an empty list.
        List<String> columns = e.getValue() == null ? List.of() : e.getValue();
        if (columns.isEmpty()) {
          problems.add("model.inputs." + e.getKey() + " lists no column; list its columns.");
        }
        List<FeatureColumn> parsed = new java.util.ArrayList<>();
        for (String f : columns) {
          try {
            parsed.add(FeatureColumn.parse(f));
          } catch (JobConfigException ex) {
            problems.add(ex.getMessage());
          }
        }
        boolean sequence = parsed.stream().anyMatch(FeatureColumn::variable);
        if (sequence && parsed.size() > 1) {
          problems.add(
              "model.inputs."
                  + e.getKey()
                  + " lists "
                  + parsed
                  + "; a sequence column ("
                  + parsed.stream().filter(FeatureColumn::variable).findFirst().orElseThrow()
                  + ") is an input of its own. Give it its own entry in model.inputs.");
        }
        if (!sequence && m.masks().containsKey(e.getKey())) {
          problems.add(
              "model.masks names input '"
                  + e.getKey()
                  + "', which has a fixed width; a mask is for a sequence input, one"
                  + " 'column[..max-length]'.");
        }
      }
      for (Map.Entry<String, String> e : m.masks().entrySet()) {
        if (!m.inputs().containsKey(e.getKey())) {
          problems.add(
              "model.masks names '"
                  + e.getKey()
                  + "', which is not one of model.inputs "
                  + m.inputs().keySet()
                  + ".");
        }
        if (e.getValue() == null || e.getValue().isBlank()) {
          problems.add(
              "model.masks." + e.getKey() + " is empty; name the model's mask input for it.");
        } else if (m.inputs().containsKey(e.getValue())
            || java.util.Collections.frequency(m.masks().values(), e.getValue()) > 1) {
          problems.add(
              "model.masks."
                  + e.getKey()
                  + " is '"
                  + e.getValue()
                  + "', a name already used by "
                  + (m.inputs().containsKey(e.getValue()) ? "model.inputs" : "another mask")
                  + "; each model input is fed once.");
        }
      }
      for (Map.Entry<String, String> e : m.inputTypes().entrySet()) {
        if (!m.inputs().containsKey(e.getKey()) && !m.masks().containsValue(e.getKey())) {
          problems.add(
              "model.input-types names '"
                  + e.getKey()
                  + "', which is not one of model.inputs "
                  + m.inputs().keySet()
                  + (m.masks().isEmpty() ? "" : " or model.masks " + m.masks().values())
                  + ".");
        }
        check(problems, () -> InputType.parse(e.getValue(), "model.input-types." + e.getKey()));
      }
    } else if (!m.inputTypes().isEmpty()) {
      problems.add("model.input-types is set without model.inputs; name the inputs first.");
    } else if (!m.masks().isEmpty()) {
      problems.add("model.masks is set without model.inputs; name the inputs first.");
    }
    if (m.isText() && !m.features().isEmpty()) {
      problems.add(
          "model sets both features "
              + m.features()
              + " and text.column '"
              + m.text().column()
              + "'; a text model takes numeric columns as named inputs after its text. List them"
              + " under model.inputs (e.g. {dense: "
              + m.features()
              + "}), or drop model.text for a model of numeric features.");
    }
    Set<String> seen = new HashSet<>();
    for (String f : m.features()) {
      try {
        FeatureColumn c = FeatureColumn.parse(f);
        if (c.variable()) {
          problems.add(
              "model.features lists '"
                  + c
                  + "', an array of any length; such a column feeds a sequence input of its own."
                  + " Name the model's inputs in model.inputs, e.g. {"
                  + c.column()
                  + ": ['"
                  + c
                  + "']}.");
        }
        if (!seen.add(c.column())) {
          problems.add("model.features lists '" + c.column() + "' twice; list each column once.");
        }
      } catch (JobConfigException e) {
        problems.add(e.getMessage());
      }
    }
    ModelOutputs o = m.outputs();
    // A folder may bring its own synset.txt: checked when the run binds the model instead.
    if (file
        && m.labelsFile() == null
        && (o.topK() != null || (o.labelName() != null && !o.labelName().isEmpty()))) {
      problems.add(
          "model.outputs."
              + (o.topK() != null ? "top-k" : "label-name")
              + " writes class names, but the model has none; set model.labels to the file of"
              + " class names beside the model (one per line, in output order).");
    }
    List<String> names = new ArrayList<>();
    for (String n : new String[] {o.probabilities(), o.score(), o.label()}) {
      if (!n.isEmpty()) {
        names.add(n);
      }
    }
    names.addAll(o.tensors().values());
    if (m.labelsFile() != null) {
      String labelName = o.labelName() == null ? ModelOutputs.DEFAULT_LABEL_NAME : o.labelName();
      if (!labelName.isEmpty()) {
        names.add(labelName);
      }
      if (o.topK() != null) {
        names.add(o.topLabels());
        names.add(o.topScores());
      }
    }
    if (names.isEmpty()) {
      problems.add(
          "model.outputs leaves out every prediction column; keep at least one of probabilities,"
              + " score, label.");
    }
    // Compared ignoring case, as Spark resolves names by default: a file with both 'Score' and
    // 'score' cannot be read back.
    List<String> reserved = new ArrayList<>(PROVENANCE_COLUMNS);
    reserved.add(ERROR_REASON_COLUMN);
    reserved.add("shard");
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (names.subList(0, i).stream().anyMatch(n::equalsIgnoreCase)) {
        problems.add(
            "model.outputs uses the column name '"
                + n
                + "' twice (names that differ only in case count as the same); give each its"
                + " own.");
      }
      if (reserved.stream().anyMatch(n::equalsIgnoreCase)) {
        problems.add(
            "model.outputs column '"
                + n
                + "' is reserved by shardscore ("
                + String.join(", ", reserved)
                + ", in any case); choose another name.");
      }
    }
  }

  private static void check(List<String> problems, Runnable check) {
    try {
      check.run();
    } catch (JobConfigException | ShardingException | ModelLoadException e) {
      problems.add(e.getMessage());
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String normalize(String path) {
    String p = path.trim().replaceAll("/+$", "");
    return p.startsWith("file://")
        ? p.substring("file://".length())
        : p.startsWith("file:") ? p.substring(5) : p;
  }
}

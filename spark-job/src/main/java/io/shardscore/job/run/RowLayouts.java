package io.shardscore.job.run;

import io.shardscore.job.change.RowHasher;
import io.shardscore.job.config.Choices;
import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.plan.ShardKey;
import io.shardscore.job.plan.ShardPlanner;
import io.shardscore.job.score.FeatureLayout;
import io.shardscore.job.score.OutputLayout;
import io.shardscore.job.score.PredictionColumns;
import io.shardscore.job.score.RowFeatures;
import io.shardscore.job.score.TextAndFeatures;
import io.shardscore.job.score.TextColumn;
import io.shardscore.model.ModelInput;
import io.shardscore.model.OutputType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How rows look on their way through a run, all checked on the driver before scoring: the columns
 * carried to the tasks, where the features sit in them, the prediction columns, the written
 * layouts, and the digests that make a schema change a change of every shard.
 *
 * @param passthrough input columns copied to the scored files, in order
 * @param carried the columns tasks receive (passthrough, key, features) plus the route column
 * @param fingerprintColumns digest of the names and types the row fingerprints cover
 * @param settingsDigest digest of the settings that change predictions or the output schema
 */
public record RowLayouts(
    List<String> passthrough,
    StructType carried,
    RowFeatures features,
    PredictionColumns predictions,
    OutputLayout output,
    String fingerprintColumns,
    String settingsDigest) {

  /** The partition each row is routed to, added to the carried columns for the shuffle. */
  public static final String ROUTE_COLUMN = "__shardscore_route";

  /** The shard key's code ({@link ShardKey#code}), for the census. */
  static final String KEY_COLUMN = "__shardscore_key";

  /** Binds the configuration to the input's schema and the model's output width. */
  static RowLayouts bind(JobConfig cfg, Dataset<Row> input, int outputWidth) {
    return bind(cfg, input, outputWidth, List.of(), List.of());
  }

  /**
   * The same for a model with class names ({@code labels}, one per output value) and other output
   * tensors of {@code tensorWidths} values per row.
   */
  static RowLayouts bind(
      JobConfig cfg,
      Dataset<Row> input,
      int outputWidth,
      List<String> labels,
      List<Integer> tensorWidths) {
    ShardKey.type(cfg.sharding().key(), input);
    List<FeatureColumn> features = cfg.model().featureColumns();
    List<String> passthrough = passthroughColumns(cfg, input);
    StructType carried = carriedSchema(cfg, input, passthrough, features);
    requireHashable(carried);
    RowFeatures featureLayout;
    if (!cfg.model().isText()) {
      featureLayout = FeatureLayout.bind(features, cfg.model().featureTypes(), carried);
    } else {
      TextColumn text =
          TextColumn.bind(cfg.model().text().column(), cfg.model().textInput(), carried);
      featureLayout =
          features.isEmpty()
              ? text
              : TextAndFeatures.of(
                  text, FeatureLayout.bind(features, cfg.model().featureTypes(), carried));
    }
    PredictionColumns predictions =
        PredictionColumns.resolve(cfg.model().outputs(), outputWidth, labels, tensorWidths);
    requireNoNameClash(passthrough, carried, predictions);
    OutputLayout output = new OutputLayout(carried, passthrough.size(), predictions);
    String columns = fingerprintColumns(carried);
    // The column types are part of it: a type change changes the output schema. Raw scores of a
    // tree model are other predictions from the same file; the default (probabilities) adds
    // nothing, so outputs committed before model.output-type existed keep their digest.
    String outputType = cfg.model().modelOutputType() == OutputType.RAW ? ";output-type=raw" : "";
    String settings =
        Digests.sha256(
            "columns="
                + columns
                + ";features="
                + cfg.model().features()
                + ";outputs="
                + predictions.settingsText()
                + outputType
                + ";passthrough="
                + passthrough
                + ";key="
                + cfg.sharding().key()
                + textSettings(cfg)
                + inputSettings(cfg)
                + (cfg.model().outputs().from() == null
                    ? ""
                    : ";from=" + cfg.model().outputs().from()));
    return new RowLayouts(
        passthrough, carried, featureLayout, predictions, output, columns, settings);
  }

  /**
   * A text model's column and how its text becomes tokens (the tokenizer's bytes are in the model's
   * digest); nothing for a model of numeric features, so their digests stay as they were.
   */
  private static String textSettings(JobConfig cfg) {
    if (!cfg.model().isText()) {
      return "";
    }
    var t = cfg.model().text();
    return ";text="
        + t.column()
        + ",tokenizer="
        + t.tokenizer()
        + ",max-length="
        + t.maxLength()
        + ",truncation="
        + t.truncation()
        + ",attention-mask="
        + t.attentionMask()
        // Only when set: runs padded to the maximum keep their digest.
        + (t.textPadding() == io.shardscore.model.TextPadding.MAX_LENGTH
            ? ""
            : ",padding=" + Choices.configName(t.textPadding()));
  }

  /**
   * A model of named inputs: each input's columns and type; nothing for one float input, so those
   * digests stay as they were.
   */
  static String inputSettings(JobConfig cfg) {
    if (cfg.model().inputs().isEmpty()) {
      return "";
    }
    return ";inputs="
        + cfg.model().inputs()
        + ",types="
        + cfg.model().modelInputs().stream()
            .map(ModelInput::settingsText)
            .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
  }

  /** The carried columns except the route column: what the census and the fingerprints read. */
  List<String> dataColumns() {
    List<String> out = new ArrayList<>();
    for (StructField f : carried.fields()) {
      if (!f.name().equals(ROUTE_COLUMN)) {
        out.add(f.name());
      }
    }
    return out;
  }

  /** Digest of the exact columns (names and types) a fingerprint is taken over. */
  private static String fingerprintColumns(StructType carried) {
    StringBuilder b = new StringBuilder();
    for (StructField f : carried.fields()) {
      if (!f.name().equals(ROUTE_COLUMN)) {
        b.append(f.name()).append(':').append(f.dataType().sql()).append(';');
      }
    }
    return Digests.sha256(b.toString());
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
    if (cfg.model().isText()) {
      String text = cfg.model().text().column();
      ShardPlanner.field(input, text, "model.text.column");
      names.add(text);
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
   * features too — (error files, with {@code error_reason}); nor with the columns it adds on the
   * way. Names are compared ignoring case, as Spark resolves them by default: a file with both
   * {@code Run_ID} and {@code run_id} cannot be read back.
   */
  private static void requireNoNameClash(
      List<String> passthrough, StructType carried, PredictionColumns predictions) {
    List<String> reserved = new ArrayList<>(JobConfigValidator.PROVENANCE_COLUMNS);
    reserved.add(JobConfigValidator.ERROR_REASON_COLUMN);
    reserved.add("shard");
    List<String> added = new ArrayList<>();
    // The validator checks these names for a model file; a folder's synset.txt adds class name
    // columns only now, so they are checked here too (as there, ignoring case).
    for (StructField f : predictions.fields()) {
      String n = f.name();
      String clash =
          java.util.stream.Stream.concat(added.stream(), reserved.stream())
              .filter(n::equalsIgnoreCase)
              .findFirst()
              .orElse(null);
      if (clash != null) {
        throw new JobConfigException(
            "model.outputs column '"
                + n
                + "' collides with the column '"
                + clash
                + "' shardscore writes too (with the model's class names it writes "
                + predictions.fields().stream().map(StructField::name).toList()
                + "; "
                + String.join(", ", reserved)
                + " are reserved; names that differ only in case collide); give each its own"
                + " name under model.outputs.");
      }
      added.add(n);
    }
    added.addAll(reserved);
    StructField[] fields = carried.fields();
    for (int i = 0; i < fields.length - 1; i++) { // the last is the route column itself
      String c = fields[i].name();
      if (c.equalsIgnoreCase(ROUTE_COLUMN) || c.equalsIgnoreCase(KEY_COLUMN)) {
        throw new JobConfigException(
            "Input column '"
                + c
                + "' has a name shardscore uses for its own columns while it scores ("
                + ROUTE_COLUMN
                + ", "
                + KEY_COLUMN
                + "). Rename it in the input or leave it out of scoring.passthrough.");
      }
      List<String> written = passthrough.contains(c) ? added : reserved;
      String clash = written.stream().filter(c::equalsIgnoreCase).findFirst().orElse(null);
      if (clash != null) {
        throw new JobConfigException(
            "Input column '"
                + c
                + "' would collide with the column '"
                + clash
                + "' shardscore writes (names that differ only in case collide too; it writes "
                + String.join(", ", written)
                + "). Rename it in the input, leave it out of scoring.passthrough, or rename the"
                + " prediction column under model.outputs.");
      }
    }
  }
}

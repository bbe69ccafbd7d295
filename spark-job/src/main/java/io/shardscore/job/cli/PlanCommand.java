package io.shardscore.job.cli;

import io.shardscore.job.ScoreJob;
import io.shardscore.job.Shardscore;
import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.config.InputConfig;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.result.TextTable;
import io.shardscore.job.result.TextTable.Column;
import io.shardscore.job.store.JsonFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shardscore plan}: what an incremental run would score, keep and delete, without scoring.
 */
@Command(
    name = "plan",
    description = {
      "Compare the input with the committed output and print, per shard, whether an incremental",
      "run would score it (new, changed) or keep it (unchanged), and which shards it would delete.",
      "Reads and fingerprints the input; scores nothing, changes nothing.",
      "Takes the same override flags as run: it previews the job run would run."
    },
    mixinStandardHelpOptions = true)
final class PlanCommand implements Callable<Integer> {
  /** The plan table; the widths are the minimums, wider names and counts widen their column. */
  private static final List<Column> COLUMNS =
      List.of(
          Column.left("shard", 14),
          Column.left("covers", 26),
          Column.left("action", 10),
          Column.right("rows", 12),
          Column.right("committed", 12),
          Column.left("why", 0).afterGap(2));

  @Mixin JobOptions options = new JobOptions();

  @Mixin ChangeOptions change = new ChangeOptions();

  @Mixin SessionOptions session = new SessionOptions();

  @Option(names = "--json", description = "Print the plan as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    JobConfig job = options.validJob();
    SparkSession spark = session.create(job);
    ScoreJob action = change.applyTo(Shardscore.job(spark, job));
    ChangePlan plan = action.plan();
    System.out.print(json ? toJson(plan, job.input()) : inputLine(job.input()) + toText(plan));
    return ExitCode.OK;
  }

  /** The input as the run reads it: path, format and reader options. */
  static String inputLine(InputConfig in) {
    if (in.isTable()) {
      return "input: table "
          + in.table()
          + (in.version() == null ? " (current snapshot)" : " (version " + in.version() + ")")
          + (in.where() == null ? "" : " where " + in.where())
          + (in.options().isEmpty() ? "" : ", options " + in.options())
          + "\n\n";
    }
    return "input: "
        + in.path()
        + " ("
        + in.format()
        + (in.options().isEmpty() ? "" : ", options " + in.options())
        + ")\n\n";
  }

  static String toText(ChangePlan plan) {
    List<List<String>> rows = new ArrayList<>();
    for (ShardChange c : plan.changes()) {
      rows.add(
          List.of(
              String.valueOf(c.name()),
              String.valueOf(c.covers()),
              c.status().label(),
              String.format(Locale.ROOT, "%,d", c.rows()),
              c.previousRows() < 0 ? "-" : String.format(Locale.ROOT, "%,d", c.previousRows()),
              String.valueOf(c.reason())));
    }
    StringBuilder sb = new StringBuilder(TextTable.render(COLUMNS, rows));
    sb.append(
        String.format(
            Locale.ROOT,
            "%nto score: %d shards, %,d rows, about %,d model calls%s%n",
            plan.shardsToScore(),
            plan.rowsToScore(),
            plan.estimatedBatches(),
            plan.replanned()
                ? "   (the shard plan differs from the committed one: a re-plan)"
                : ""));
    if (plan.fastPath() != null) {
      sb.append("change check: ").append(plan.fastPath()).append(System.lineSeparator());
    }
    return sb.toString();
  }

  static String toJson(ChangePlan plan, InputConfig in) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> input = new LinkedHashMap<>();
    if (in.isTable()) {
      input.put("table", in.table());
      input.put("version", in.version());
      input.put("where", in.where());
    } else {
      input.put("path", in.path());
      input.put("format", in.format());
    }
    input.put("options", in.options());
    out.put("input", input);
    out.put("replanned", plan.replanned());
    out.put("shardsToScore", plan.shardsToScore());
    out.put("rowsToScore", plan.rowsToScore());
    out.put("estimatedBatches", plan.estimatedBatches());
    out.put("inputFiles", plan.inputFiles());
    out.put("filesRead", plan.filesRead());
    out.put("fastPath", plan.fastPath());
    List<Map<String, Object>> shards = new ArrayList<>();
    for (ShardChange c : plan.changes()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("name", c.name());
      s.put("covers", c.covers());
      s.put("action", c.status().label());
      s.put("reason", c.reason());
      s.put("rows", c.rows());
      s.put("committedRows", c.previousRows() < 0 ? null : c.previousRows());
      s.put("fingerprint", c.fingerprint());
      shards.add(s);
    }
    out.put("shards", shards);
    return JsonFiles.text(out) + "\n";
  }
}

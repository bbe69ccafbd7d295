package io.shardscore.job.run;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.change.ShardCensus;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.change.ShardFingerprint;
import io.shardscore.job.commit.InputFile;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.plan.ShardKey;
import io.shardscore.job.row.ColumnNames;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.StrayKeyPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Decides per shard what a run does: counts (and, where it must decide by content, fingerprints)
 * the input per shard — reading only the files whose identity changed when the metadata fast path
 * applies — and compares with the committed manifest.
 *
 * @param census rows and fingerprints per shard
 * @param plan what happens to each shard
 * @param scoringInput the rows the scoring stage reads: only the files of shards to score
 * @param inputEntry the input's files, for the manifest; null for a Dataset input
 */
public record ChangeDetection(
    ShardCensus census,
    ChangePlan plan,
    Dataset<Row> scoringInput,
    Manifest.InputEntry inputEntry) {
  private static final Logger LOG = LogManager.getLogger(ChangeDetection.class);

  /** What {@link #detect} needs to know about the run. */
  record Context(
      SparkSession spark,
      ShardPlan shards,
      InputSource input,
      RowLayouts rows,
      Optional<Manifest> previous,
      String modelDigest,
      boolean incremental,
      boolean fingerprint,
      boolean verifyContent,
      Set<String> selected,
      int batchSize) {}

  static ChangeDetection detect(Context c) {
    ShardPlan plan = c.shards();
    List<Column> censusColumns = new ArrayList<>();
    c.rows().dataColumns().forEach(n -> censusColumns.add(ColumnNames.column(n)));
    Column key = ShardKey.code(plan).as(RowLayouts.KEY_COLUMN);
    censusColumns.add(key);
    Optional<InputSnapshot> snapshot = c.input().snapshot();
    Decision decision = c.incremental() ? unchangedByMetadata(c) : Decision.NONE;
    Map<Integer, ShardFingerprint> known = decision.known();
    String fastPath = decision.fallback();
    ShardCensus census;
    int filesRead = c.input().fileCount();
    if (!known.isEmpty()) {
      Set<InputFile> dirty = new LinkedHashSet<>();
      List<Shard> dirtyShards = new ArrayList<>();
      for (Shard shard : plan.shards()) {
        if (!known.containsKey(shard.id())) {
          dirtyShards.add(shard);
          dirty.addAll(snapshot.get().overlapping(plan, shard));
        }
      }
      // Under a 'fail' policy, rows that belong to no shard must still be found: read every file
      // that is not, by identity, one the last commit already read — for a table, every data file
      // whose bounds admit such keys (a committed file has none: that commit found none).
      boolean strays =
          plan.unmatchedKeys() == StrayKeyPolicy.FAIL || plan.nullKeys() == StrayKeyPolicy.FAIL;
      if (strays) {
        dirty.addAll(
            c.input().table() != null
                ? snapshot.get().mayHoldStrays(plan)
                : InputSnapshot.notIn(snapshot.get().files(), c.previous().get().input().files()));
      }
      filesRead = dirty.size();
      census =
          dirty.isEmpty()
              ? ShardCensus.ofKnown(plan.shards().size(), known)
              : ShardCensus.take(
                      c.input()
                          .readFor(c.spark(), dirty, plan, dirtyShards, strays)
                          .select(censusColumns.toArray(Column[]::new)),
                      plan)
                  .withKnown(known);
      fastPath =
          String.format(
              java.util.Locale.ROOT,
              "metadata fast path%s: %d of %d shards unchanged by their %s (not read); read %d of"
                  + " %d %s",
              fromTo(c),
              known.size(),
              plan.shards().size(),
              c.input().table() != null ? "data files" : "files' identity",
              filesRead,
              snapshot.get().files().size(),
              c.input().table() != null ? "data files" : "files");
      LOG.info("Change check: {}", fastPath);
    } else {
      // Incremental runs need fingerprints to decide; full runs only count (reading the key column
      // alone) and let their tasks fingerprint the rows they score.
      Dataset<Row> frame = c.input().frame();
      census =
          c.fingerprint()
              ? ShardCensus.take(frame.select(censusColumns.toArray(Column[]::new)), plan)
              : ShardCensus.count(frame.select(key), plan);
    }
    if (census.strayRows() > 0) {
      throw StrayKeys.error(c.input().frame(), plan, census.strayRows());
    }
    if (census.totalRows() == 0) {
      throw new ScoringFailedException(
          ScoringFailedException.Reason.EMPTY_INPUT,
          "The input "
              + (c.input().table() != null
                  ? "table " + c.input().table()
                  : c.input().root() == null ? "Dataset" : c.input().root())
              + " has no rows, so there is nothing to score and nothing was committed. Check"
              + " input.path and the upstream job that writes it.");
    }
    String settings = c.rows().settingsDigest();
    ChangePlan changes =
        ChangePlan.compute(
            plan,
            census,
            c.previous(),
            c.modelDigest(),
            id -> Digests.shardIdentity(settings, plan, plan.shard(id)),
            c.incremental(),
            c.selected(),
            c.batchSize(),
            c.input().fileCount(),
            filesRead);
    if (fastPath != null) {
      if (known.isEmpty()) {
        LOG.info("Change check reads every row: {}", fastPath);
      }
      changes = changes.withFastPath(fastPath, known.keySet());
    }
    return new ChangeDetection(census, changes, scoringInput(c, changes), c.input().entry());
  }

  /** The whole input, or only the files that overlap a shard this run scores. */
  private static Dataset<Row> scoringInput(Context c, ChangePlan changes) {
    Dataset<Row> input = c.input().frame();
    Optional<InputSnapshot> snapshot = c.input().snapshot();
    if (snapshot.isEmpty()) {
      return input;
    }
    Set<InputFile> needed = new LinkedHashSet<>();
    List<Shard> scored = new ArrayList<>();
    for (ShardChange change : changes.changes()) {
      if (change.shardId() >= 0 && change.status().scores()) {
        Shard shard = c.shards().shard(change.shardId());
        scored.add(shard);
        needed.addAll(snapshot.get().overlapping(c.shards(), shard));
      }
    }
    if (needed.size() == snapshot.get().files().size()) {
      return input;
    }
    return needed.isEmpty()
        ? input.limit(0)
        : c.input().readFor(c.spark(), needed, c.shards(), scored, false);
  }

  /**
   * True when Spark reads {@code a} and {@code b} as the same options: names ignore case (as in
   * Spark's reader), values are compared as written.
   */
  static boolean sameOptions(Map<String, String> a, Map<String, String> b) {
    return byLowerName(a).equals(byLowerName(b));
  }

  private static Map<String, String> byLowerName(Map<String, String> options) {
    Map<String, String> out = new HashMap<>();
    options.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
    return out;
  }

  /**
   * Shards the metadata fast path found unchanged, with their committed fingerprints; or, when it
   * found none, why (null when there is nothing to say: a first run).
   */
  private record Decision(Map<Integer, ShardFingerprint> known, String fallback) {
    static final Decision NONE = new Decision(Map.of(), null);

    static Decision fallback(String why) {
      return new Decision(Map.of(), "metadata fast path not used, every row read: " + why);
    }
  }

  /** For a table, the snapshot the last commit read and the one read now. */
  private static String fromTo(Context c) {
    if (c.input().table() == null) {
      return "";
    }
    String before = c.previous().map(m -> m.input().version()).orElse(null);
    String now = c.input().version();
    return java.util.Objects.equals(before, now)
        ? " (same snapshot " + now + ")"
        : " (snapshot " + before + " -> " + now + ")";
  }

  /**
   * Fingerprints of shards whose overlapping input files (for a table, data files of its snapshot)
   * are, by identity, the files their committed fingerprint was taken over, with the same columns
   * and the same plan: these shards need not be read. Any difference in the plan (ranges, policies,
   * roles), the input root or table, the reader options (which may change the values read from the
   * same files, e.g. {@code datetimeRebaseMode}) or a table's {@code input.where} disables the fast
   * path, so that every row is counted again. A table's previous snapshot need not exist any more:
   * the last commit recorded its files.
   */
  private static Decision unchangedByMetadata(Context c) {
    Optional<InputSnapshot> snapshot = c.input().snapshot();
    if (c.previous().isEmpty()) {
      return Decision.NONE;
    }
    if (c.verifyContent()) {
      return Decision.fallback("--verify-content");
    }
    if (snapshot.isEmpty()) {
      return Decision.fallback(
          c.input().metadataFallback() != null
              ? c.input().metadataFallback()
              : "the input's files are not known");
    }
    Manifest prev = c.previous().get();
    if (prev.input() == null) {
      return Decision.fallback("the last commit recorded no input files");
    }
    boolean table = c.input().table() != null;
    String now = table ? c.input().table() : c.input().root();
    if (!prev.input().root().equals(now) || (prev.input().version() != null) != table) {
      return Decision.fallback("the last commit read another input (" + prev.input().root() + ")");
    }
    if (!sameOptions(prev.input().readOptions(), c.input().options())) {
      return Decision.fallback("input.options changed since the last commit");
    }
    String unstable =
        table
            ? StableFilter.unstable(c.spark(), c.input().where(), c.input().frame().schema())
            : null;
    if (unstable != null) {
      return Decision.fallback(unstable);
    }
    if (table && !java.util.Objects.equals(prev.input().where(), c.input().where())) {
      return Decision.fallback(
          "input.where changed since the last commit (was "
              + (prev.input().where() == null ? "none" : "'" + prev.input().where() + "'")
              + ")");
    }
    ShardPlan plan = c.shards();
    if (!PlanCodec.planEntry(plan).equals(prev.plan())) {
      return Decision.fallback("the shard plan changed since the last commit");
    }
    Map<String, Manifest.ShardEntry> entries = new HashMap<>();
    prev.shards().forEach(e -> entries.put(e.name(), e));
    Map<Integer, ShardFingerprint> known = new HashMap<>();
    for (Shard shard : plan.shards()) {
      Manifest.ShardEntry e = entries.get(shard.name());
      if (e == null
          || e.fingerprint() == null
          // Taken under another row-hash scheme: the census must hash the shard's rows again.
          || !ShardFingerprint.decode(e.fingerprint()).currentScheme()
          || e.inputFiles() == null
          || !c.rows().fingerprintColumns().equals(e.fingerprintColumns())) {
        continue;
      }
      if (InputSnapshot.sameFiles(e.inputFiles(), snapshot.get().overlapping(plan, shard))) {
        known.put(shard.id(), ShardFingerprint.decode(e.fingerprint()));
      }
    }
    return known.isEmpty()
        ? Decision.fallback(
            "no shard's files are the ones the last commit recorded for it (every shard's files"
                + " changed, the columns read changed, or the last commit could not record them)")
        : new Decision(known, null);
  }
}

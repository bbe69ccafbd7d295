package io.shardscore.job.run;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.change.ShardCensus;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.change.ShardFingerprint;
import io.shardscore.job.commit.InputFile;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.error.ScoringFailedException;
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
import org.apache.spark.sql.types.DataTypes;

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
    Column key =
        ColumnNames.column(plan.keyColumn()).cast(DataTypes.LongType).as(RowLayouts.KEY_COLUMN);
    censusColumns.add(key);
    Optional<InputSnapshot> snapshot = c.input().snapshot();
    Map<Integer, ShardFingerprint> known =
        c.incremental() && !c.verifyContent() ? unchangedByMetadata(c) : Map.of();
    ShardCensus census;
    int filesRead = c.input().fileCount();
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
        dirty.addAll(
            InputSnapshot.notIn(snapshot.get().files(), c.previous().get().input().files()));
      }
      filesRead = dirty.size();
      census =
          dirty.isEmpty()
              ? ShardCensus.ofKnown(plan.shards().size(), known)
              : ShardCensus.take(
                      c.input()
                          .readFiles(c.spark(), dirty)
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
    for (ShardChange change : changes.changes()) {
      if (change.shardId() >= 0 && change.status().scores()) {
        needed.addAll(snapshot.get().overlapping(c.shards(), c.shards().shard(change.shardId())));
      }
    }
    if (needed.size() == snapshot.get().files().size()) {
      return input;
    }
    return needed.isEmpty() ? input.limit(0) : c.input().readFiles(c.spark(), needed);
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
   * Fingerprints of shards whose overlapping input files are, by identity, the files their
   * committed fingerprint was taken over, with the same columns and the same plan: these shards
   * need not be read. Any difference in the plan (ranges, policies, roles), the input root or the
   * reader options (which may change the values read from the same files, e.g. {@code
   * datetimeRebaseMode}) disables the fast path, so that every row is counted again.
   */
  private static Map<Integer, ShardFingerprint> unchangedByMetadata(Context c) {
    Optional<InputSnapshot> snapshot = c.input().snapshot();
    if (c.previous().isEmpty()
        || snapshot.isEmpty()
        || c.previous().get().input() == null
        || c.previous().get().input().version() != null) {
      return Map.of();
    }
    Manifest prev = c.previous().get();
    ShardPlan plan = c.shards();
    if (!prev.input().root().equals(c.input().root())
        || !sameOptions(prev.input().readOptions(), c.input().options())
        || !PlanCodec.planEntry(plan).equals(prev.plan())) {
      return Map.of();
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
    return known;
  }
}

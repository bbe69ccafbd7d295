package io.shardscore.job.change;

import io.shardscore.job.commit.Manifest;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which shards a run scores, keeps or deletes, decided from the current census, the previous
 * manifest and what produced each committed shard (model digest, settings digest). A shard is
 * identified across runs by its name and what it covers.
 *
 * @param replanned true when the shard plan differs from the committed one
 * @param inputFiles files in the input (a table's data files), -1 when the input is neither a
 *     Parquet path nor a table whose metadata lists its files
 * @param filesRead files the change check read rows from, -1 when it read the whole input
 * @param fastPath what the metadata fast path decided, or why it did not apply (the change check
 *     then read every row); null when there was nothing to decide (no incremental run)
 */
public record ChangePlan(
    List<ShardChange> changes,
    boolean replanned,
    int batchSize,
    int inputFiles,
    int filesRead,
    String fastPath) {

  public ChangePlan(
      List<ShardChange> changes, boolean replanned, int batchSize, int inputFiles, int filesRead) {
    this(changes, replanned, batchSize, inputFiles, filesRead, null);
  }

  /**
   * This plan with the fast path's decision stated, and the unchanged shards among {@code notRead}
   * (decided by file metadata, their rows not read) saying so.
   */
  public ChangePlan withFastPath(String decision, Set<Integer> notRead) {
    List<ShardChange> out = new ArrayList<>();
    for (ShardChange c : changes) {
      out.add(
          c.status() == ShardChange.Status.UNCHANGED && notRead.contains(c.shardId())
              ? new ShardChange(
                  c.shardId(),
                  c.name(),
                  c.covers(),
                  c.status(),
                  "input files unchanged by metadata (not read), model and settings unchanged",
                  c.rows(),
                  c.previousRows(),
                  c.fingerprint())
              : c);
    }
    return new ChangePlan(List.copyOf(out), replanned, batchSize, inputFiles, filesRead, decision);
  }

  public static ChangePlan compute(
      ShardPlan plan,
      ShardCensus census,
      Optional<Manifest> previous,
      String modelDigest,
      java.util.function.IntFunction<String> identity,
      boolean incremental,
      Set<String> selected,
      int batchSize,
      int inputFiles,
      int filesRead) {
    Map<String, Manifest.ShardEntry> before = new HashMap<>();
    Map<String, String> coversBefore = new HashMap<>();
    previous.ifPresent(
        m -> {
          m.shards().forEach(s -> before.put(s.name(), s));
          m.plan().shards().forEach(p -> coversBefore.put(p.name(), p.covers()));
        });
    List<ShardChange> out = new ArrayList<>();
    boolean replanned = false;
    for (Shard s : plan.shards()) {
      ShardFingerprint fp = census.of(s.id());
      Manifest.ShardEntry prev = before.remove(s.name());
      String prevCovers = coversBefore.get(s.name());
      long prevRows = prev == null ? -1 : prev.rows() + prev.errorRows();
      boolean sameShard = prev != null && s.covers().equals(prevCovers);
      if (prevCovers != null && !s.covers().equals(prevCovers)) {
        replanned = true;
      }
      ShardChange.Status status;
      String reason;
      if (!selected.isEmpty() && !selected.contains(s.name())) {
        status = sameShard ? ShardChange.Status.KEPT : ShardChange.Status.SKIPPED;
        reason = "not selected by --shards";
      } else if (!selected.isEmpty()) {
        status = sameShard ? ShardChange.Status.CHANGED : ShardChange.Status.NEW;
        reason = "selected by --shards";
      } else if (!incremental || previous.isEmpty()) {
        status = ShardChange.Status.FULL;
        reason = previous.isEmpty() ? "first run into this output" : "full run";
      } else if (prev == null) {
        status = ShardChange.Status.NEW;
        reason = "not committed before";
      } else if (!sameShard) {
        status = ShardChange.Status.CHANGED;
        reason = "covers " + s.covers() + ", was " + prevCovers;
      } else if (!modelDigest.equals(prev.modelDigest())) {
        status = ShardChange.Status.CHANGED;
        reason = "model changed";
      } else if (!identity.apply(s.id()).equals(prev.settingsDigest())) {
        status = ShardChange.Status.CHANGED;
        reason = "prediction settings or stray-key policy changed";
      } else if (prev.fingerprint() != null
          && ShardFingerprint.decode(prev.fingerprint()).scheme() != fp.scheme()) {
        status = ShardChange.Status.CHANGED;
        reason =
            "fingerprint scheme changed (committed under scheme "
                + ShardFingerprint.decode(prev.fingerprint()).scheme()
                + ", rows now hash under scheme "
                + fp.scheme()
                + "): scored once to record the new fingerprint";
      } else if (!fp.encoded().equals(prev.fingerprint())) { // incremental runs take full censuses
        status = ShardChange.Status.CHANGED;
        reason = "input changed";
      } else {
        status = ShardChange.Status.UNCHANGED;
        reason = "input, model and settings unchanged";
      }
      out.add(
          new ShardChange(
              s.id(),
              s.name(),
              s.covers(),
              status,
              reason,
              fp.rows(),
              prevRows,
              census.fingerprint(s.id())));
    }
    for (Manifest.ShardEntry gone : before.values()) {
      replanned = true;
      out.add(
          new ShardChange(
              -1,
              gone.name(),
              coversBefore.get(gone.name()),
              ShardChange.Status.DELETED,
              "no longer in the shard plan",
              0,
              gone.rows() + gone.errorRows(),
              null));
    }
    return new ChangePlan(List.copyOf(out), replanned, batchSize, inputFiles, filesRead);
  }

  public ShardChange of(int shardId) {
    return changes.stream().filter(c -> c.shardId() == shardId).findFirst().orElseThrow();
  }

  /** Ids of the shards of the plan that the run scores (or routes to errors). */
  public Set<Integer> shardIdsToScore() {
    Set<Integer> ids = new TreeSet<>();
    changes.stream()
        .filter(c -> c.shardId() >= 0 && c.status().scores())
        .forEach(c -> ids.add(c.shardId()));
    return ids;
  }

  /** Rows the run will score (or route to errors). */
  public long rowsToScore() {
    return changes.stream().filter(c -> c.status().scores()).mapToLong(ShardChange::rows).sum();
  }

  public long shardsToScore() {
    return changes.stream().filter(c -> c.status().scores()).count();
  }

  /** Model calls the run will make, at most: one per batch per scored shard slice. */
  public long estimatedBatches() {
    return changes.stream()
        .filter(c -> c.status().scores())
        .mapToLong(c -> (c.rows() + batchSize - 1) / batchSize)
        .sum();
  }

  /** True when nothing needs scoring or deleting. */
  public boolean nothingToDo() {
    return changes.stream()
        .noneMatch(c -> c.status().scores() || c.status() == ShardChange.Status.DELETED);
  }
}

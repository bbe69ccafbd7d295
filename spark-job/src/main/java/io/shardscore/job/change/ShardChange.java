package io.shardscore.job.change;

/**
 * What a run will do (or did) with one shard, and why.
 *
 * @param shardId id in the current plan; -1 for a shard that no longer exists
 * @param rows rows of the shard in the current input
 * @param previousRows scored + error rows committed for it before, or -1 if it was never committed
 */
public record ShardChange(
    int shardId,
    String name,
    String covers,
    Status status,
    String reason,
    long rows,
    long previousRows,
    String fingerprint) {

  /** The decision for one shard. */
  public enum Status {
    /** Scored: first run into this output, or a non-incremental run. */
    FULL,
    /** Scored: the output has no committed shard of this name and coverage. */
    NEW,
    /** Scored: its input, the model or the prediction settings changed. */
    CHANGED,
    /** Kept as committed: nothing that affects it changed. */
    UNCHANGED,
    /** Kept as committed because {@code --shards} did not select it. */
    KEPT,
    /** Not scored and never committed: {@code --shards} did not select it. */
    SKIPPED,
    /** Committed before but no longer in the plan: its files and errors are removed. */
    DELETED;

    public boolean scores() {
      return this == FULL || this == NEW || this == CHANGED;
    }

    public boolean keepsPrevious() {
      return this == UNCHANGED || this == KEPT;
    }

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}

package io.shardscore.sharding;

import java.io.Serializable;

/**
 * One shard of a plan: a stable id (its position in the plan), a path-safe name, and what it
 * covers. Stray shards collect keys with no planned shard; a rejecting shard sends its rows to the
 * errors dataset with {@link #rejectReason()} instead of scoring them.
 *
 * @param id position in the plan, stable across runs that reuse the plan
 * @param name path-safe folder name, see {@link ShardName}
 * @param role planned, unmatched-key or null-key shard
 * @param covers human-readable coverage, e.g. {@code 0-999} or {@code bucket 3 of 8}
 * @param rejectReason null when rows are scored; otherwise the reason written with each row
 */
public record Shard(int id, String name, Role role, String covers, String rejectReason)
    implements Serializable {

  /** Why a shard exists. */
  public enum Role {
    PLANNED,
    UNMATCHED,
    NULL_KEY
  }

  public Shard {
    ShardName.requireSafe(name);
  }

  public boolean scored() {
    return rejectReason == null;
  }
}

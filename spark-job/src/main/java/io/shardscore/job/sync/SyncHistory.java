package io.shardscore.job.sync;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The source's versions a fast-forward skipped, copied into the target's history once the synced
 * version is committed there: readers of those versions and later lineage checks find them, and no
 * other writer can commit under those numbers behind the new version.
 */
final class SyncHistory {
  private static final Logger LOG = LogManager.getLogger(StoreSync.class);

  private final ManifestStore srcStore;
  private final ManifestStore dstStore;
  private final Path dstRoot;

  SyncHistory(ManifestStore srcStore, ManifestStore dstStore, Path dstRoot) {
    this.srcStore = srcStore;
    this.dstStore = dstStore;
    this.dstRoot = dstRoot;
  }

  /** The versions below {@code newest} the target lacks, down to the first it has. */
  long missingBelow(Manifest newest) {
    long v = newest.version() - 1;
    while (v >= 1 && dstStore.version(v).isEmpty()) {
      v--;
    }
    return v;
  }

  /**
   * Copies the source's versions after {@code previous} and before {@code committed} into the
   * target's history, oldest first, once {@code committed} is committed there. Best effort: never
   * throws for a store failure.
   */
  void claim(Manifest committed, long previous) {
    for (long v = previous + 1; v < committed.version(); v++) {
      try {
        Optional<Manifest> m = srcStore.version(v);
        if (m.isEmpty()) {
          continue;
        }
        // The source's own staging and deletions mean nothing on the target: the commit's
        // own supersedes cover every file the target drops.
        dstStore.writeHistory(m.get().onTarget(List.of(), List.of(), 0));
        Optional<Manifest> there = dstStore.version(v);
        if (there.isPresent() && !there.get().sameCommit(m.get())) {
          LOG.warn(
              "Version {} of {} was committed by another writer (run {}) during the sync, behind"
                  + " the synced version {}: its commit is not the newest and is not visible to"
                  + " readers of the newest version. Check that writer's output, and run one"
                  + " writer per output at a time.",
              v,
              dstRoot,
              there.get().runId(),
              committed.version());
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn(
            "Synced version {} to {}, but could not copy the source's version {} into its"
                + " history: {}. Reading that version on the target is not possible until a"
                + " later sync copies it.",
            committed.version(),
            dstRoot,
            v,
            e.toString());
      }
    }
  }
}

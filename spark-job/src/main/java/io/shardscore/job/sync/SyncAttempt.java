package io.shardscore.job.sync;

import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.ConcurrentCommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.store.FaultInjection;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One sync attempt (see {@link StoreSync} for the protocol): its own attempt id and staging folder
 * on the target. It rolls both sides forward, decides by lineage, copies the shards that differ and
 * commits the target's new version through the run's own {@link ShardCommitter}.
 */
final class SyncAttempt {
  private static final Logger LOG = LogManager.getLogger(StoreSync.class);

  private final FileSystem src;
  private final Path srcRoot;
  private final FileSystem dst;
  private final Path dstRoot;
  private final String from;
  private final String to;
  private final ManifestStore srcStore;
  private final ShardCommitter committer;
  private final SyncFiles files;
  private final SyncHistory history;
  private final String attemptId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final Path staging;
  private volatile boolean committed;

  SyncAttempt(FileSystem src, Path srcRoot, FileSystem dst, Path dstRoot, String from, String to) {
    this.src = src;
    this.srcRoot = srcRoot;
    this.dst = dst;
    this.dstRoot = dstRoot;
    this.from = from;
    this.to = to;
    this.srcStore = new ManifestStore(src, srcRoot);
    this.committer = new ShardCommitter(dst, dstRoot);
    this.files = new SyncFiles(dst, dstRoot);
    this.history = new SyncHistory(srcStore, committer.store(), dstRoot);
    this.staging = files.stagingOf(attemptId);
  }

  private ManifestStore dstStore() {
    return committer.store();
  }

  SyncResult run(boolean force, Duration retention) throws IOException {
    Manifest source =
        srcStore
            .current()
            .orElseThrow(
                () ->
                    new SyncException(
                        "--from "
                            + from
                            + " has no committed shardscore manifest; sync copies committed"
                            + " outputs only. Nothing was copied. Run a job into it first, or"
                            + " check the path."));
    try {
      new ShardCommitter(src, srcRoot).ensureInPlace(source);
    } catch (CommitException e) {
      throw new SyncException(
          "The source's version "
              + source.version()
              + " could not be read in full: "
              + e.getMessage()
              + " Nothing was copied; the target still shows its previous commit.",
          e);
    }
    Optional<Manifest> current = dstStore().current();
    if (current.isEmpty()
        && dst.exists(dstRoot)
        && dst.listStatus(dstRoot).length > 0
        && !dst.exists(dstStore().metaDir())) {
      throw new SyncException(
          "--to "
              + to
              + " is not empty and is not a shardscore output; nothing was copied. Choose an"
              + " empty or absent folder, or an earlier copy of this output.");
    }
    if (current.isPresent()) {
      try {
        committer.ensureInPlace(current.get());
      } catch (CommitException e) {
        throw new SyncException(
            "The target's version "
                + current.get().version()
                + " is committed but could not be finished: "
                + e.getMessage()
                + " Nothing was copied; the target still shows that version as far as its"
                + " files allow. Fix the cause, then rerun the sync (or sync into an empty"
                + " folder).",
            e);
      }
      files.removeRolledForward(current.get());
    }
    Lineage.Decision decision =
        new Lineage(srcStore, dstStore()).decide(source, current, force, to);
    if (decision.kind() == Lineage.Kind.UP_TO_DATE) {
      Manifest t = current.orElseThrow();
      if (t.sameCommit(source)) {
        history.claim(source, history.missingBelow(source));
      }
      // Finish what an interrupted earlier commit left (its retention still applies).
      committer.sweep(t);
      return new SyncResult(
          source.version(), t.version(), t.version(), true, List.of(), 0, 0, 0, List.of());
    }
    try {
      return copyAndCommit(source, current, decision, retention);
    } catch (RuntimeException | IOException e) {
      if (!committed) {
        // Nothing was committed by this attempt: its staging holds nobody's files.
        files.remove(staging);
      }
      throw e;
    }
  }

  private static String visible(Optional<Manifest> current) {
    return current
        .map(t -> "its version " + t.version() + " (run " + t.runId() + ")")
        .orElse("no committed version");
  }

  private SyncResult copyAndCommit(
      Manifest source, Optional<Manifest> current, Lineage.Decision decision, Duration retention)
      throws IOException {
    String visibleNow = visible(current);
    // Mark the target as shardscore's before the first byte, so a stopped sync can be rerun.
    dst.mkdirs(dstStore().metaDir());
    ShardCopy.Result copy =
        new ShardCopy(src, srcRoot, dst, dstRoot, staging).copy(source, current, visibleNow);
    Set<String> names = new HashSet<>();
    source.shards().forEach(s -> names.add(s.name()));
    List<String> deleted =
        ShardCopy.shardsOf(current).keySet().stream()
            .filter(n -> !names.contains(n))
            .sorted()
            .toList();
    Manifest next =
        SyncManifests.next(source, current, decision, copy.moves(), retention, attemptId);

    FaultInjection.check(FaultInjection.SYNC_BEFORE_MANIFEST);
    Optional<Manifest> now = dstStore().current();
    boolean unchanged =
        current.isPresent()
            ? now.isPresent() && now.get().sameCommit(current.get())
            : now.isEmpty();
    if (!unchanged) {
      throw concurrent(next, now.orElse(null), null);
    }
    long previous = current.map(Manifest::version).orElse(0L);
    try {
      committer.commit(
          next,
          List.of(),
          () -> {
            committed = true;
            FaultInjection.check(FaultInjection.SYNC_AFTER_MANIFEST);
            if (decision.kind() == Lineage.Kind.SAME_VERSION) {
              history.claim(next, previous);
            }
          });
    } catch (ConcurrentCommitException e) {
      throw concurrent(next, dstStore().version(next.version()).orElse(null), e);
    } catch (CommitException e) {
      throw new SyncException(
          "Sync from "
              + from
              + " to "
              + to
              + " failed at the commit: "
              + e.getMessage()
              + " Nothing was committed on the target, which still shows "
              + visibleNow
              + "; rerun the sync.",
          e);
    }
    // Committed. Everything below is best effort (the next sync or run finishes it).
    try {
      boolean confirmed = dstStore().inPlace().map(next::sameCommit).orElse(false);
      if (!confirmed) {
        // The roll-forward or manifest.json failed after the commit point, so the commit's
        // sweep did not run either: finish both now rather than at the next commit.
        committer.ensureInPlace(next);
        committer.sweep(next);
      }
      files.remove(staging); // every staged file has been moved into place
    } catch (CommitException e) {
      LOG.warn(
          "Committed version {} of {}, but not every file is in place yet: {}. The next sync,"
              + " run or read finishes it; {} is kept until then.",
          next.version(),
          dstRoot,
          e.getMessage(),
          staging);
    }
    files.removeStale(staging, System.currentTimeMillis());
    LOG.info(
        "Synced {} version {} to {} as version {}{}: {} shards, {} files, {} bytes copied; {}"
            + " files already there; shards deleted: {}",
        srcRoot,
        source.version(),
        dstRoot,
        next.version(),
        decision.forced() ? " (forced)" : "",
        copy.shards().size(),
        copy.files(),
        copy.bytes(),
        copy.skipped(),
        deleted);
    return new SyncResult(
        source.version(),
        current.map(Manifest::version).orElse(-1L),
        next.version(),
        false,
        copy.shards(),
        copy.files(),
        copy.bytes(),
        copy.skipped(),
        deleted);
  }

  private SyncException concurrent(Manifest mine, Manifest theirs, Exception cause) {
    String message =
        "Another writer committed to "
            + to
            + " during the sync"
            + (theirs == null
                ? ""
                : " (version " + theirs.version() + ", run " + theirs.runId() + ")")
            + ", so this sync committed nothing (it would have been version "
            + mine.version()
            + ") and removed the files it had copied; the target shows that writer's commit."
            + " Rerun the sync: it checks the lineage again against the target's new version."
            + " Run one writer per output at a time.";
    return cause == null ? new SyncException(message) : new SyncException(message, cause);
  }
}

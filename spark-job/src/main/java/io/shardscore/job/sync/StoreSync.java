package io.shardscore.job.sync;

import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.ConcurrentCommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.store.FaultInjection;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Copies a committed output from one store to another ({@code file:}, {@code hdfs:}, {@code s3a:}
 * in any direction) by the commit protocol of a run (docs/commit-protocol.md, "Sync"):
 *
 * <ol>
 *   <li>The source's newest version, and the target's, are first rolled forward if a crash
 *       interrupted their commit ({@link ShardCommitter#ensureInPlace}).
 *   <li>Lineage, by commit key, never by run id: the target's newest version must hold the content
 *       of a version in the source's history ({@link Manifest#sameContent}); a target that is
 *       ahead, a diverged target and a different output are refused unless {@code force}.
 *   <li>Only the shards whose manifest entries differ are copied, each file into this attempt's
 *       staging folder {@code _shardscore/staging/sync.<attempt>/} on the target, through a
 *       temporary name, verified by the CRC32C and size its manifest recorded. Files the target's
 *       newest version already lists are not copied. Nothing visible on the target changes.
 *   <li>The commit point is the exclusive creation of the new version on the target, by {@link
 *       ShardCommitter#commit}, the run's own code: the new manifest's {@code moves} point into the
 *       sync's staging, its {@code supersedes} are the target's previous live files it no longer
 *       lists, kept for {@code retention}. If another writer created that version first, nothing
 *       was committed. After the commit point the files are moved into place, {@code manifest.json}
 *       is written and superseded files are deleted once their retention (this sync's, or that of
 *       the target's own earlier commits) has passed.
 *   <li>After the commit point, and never before, the source's versions between the target's
 *       previous version and the new one are copied into the target's history (best effort).
 * </ol>
 *
 * <p>Versions: a fast-forward commits the source's newest manifest under the source's version
 * number, so that both stores hold the same commit (it may skip versions; the skipped numbers are
 * claimed with the source's history right after the commit point). A forced sync never moves or
 * rewrites the target's history: it commits the source's shards as the target's next version
 * (target version + 1), with a new commit id and an {@link Manifest#origin} naming the source's
 * commit (store id, version, commit key). A later plain sync from the same source then finds that
 * content in the source's history and fast-forwards: under the source's version number once that is
 * higher than the target's, else again as the target's next version with an origin.
 */
public final class StoreSync {
  private static final Logger LOG = LogManager.getLogger(StoreSync.class);

  private final Configuration conf;

  public StoreSync(Configuration conf) {
    this.conf = conf;
  }

  /** {@link #sync(String, String, boolean, Duration)} deleting superseded files at once. */
  public SyncResult sync(String from, String to, boolean force) {
    return sync(from, to, force, Duration.ZERO);
  }

  /**
   * Makes {@code to} hold the newest commit of {@code from}.
   *
   * @param force commit the source's shards on the target even when the target diverged from the
   *     source, is ahead of it, or is a different output
   * @param retention how long the target's files this sync supersedes stay for readers of the
   *     target's previous version
   */
  public SyncResult sync(String from, String to, boolean force, Duration retention) {
    Path srcRoot = new Path(from);
    Path dstRoot = new Path(to);
    try {
      FileSystem src = srcRoot.getFileSystem(conf);
      FileSystem dst = dstRoot.getFileSystem(conf);
      srcRoot = src.makeQualified(srcRoot);
      dstRoot = dst.makeQualified(dstRoot);
      if (srcRoot.equals(dstRoot)) {
        throw new SyncException(
            "--from and --to are the same output "
                + srcRoot
                + "; nothing was copied. Point --to at another store or folder.");
      }
      return new Attempt(src, srcRoot, dst, dstRoot, from, to).run(force, retention);
    } catch (IOException e) {
      throw new SyncException(
          "Sync from "
              + from
              + " to "
              + to
              + " failed before its commit: "
              + e.getMessage()
              + ". Nothing was committed on the target, which still shows its previous commit;"
              + " check that both stores are reachable and writable, then rerun the sync.",
          e);
    }
  }

  /** One sync attempt: its own attempt id and staging folder on the target. */
  private static final class Attempt {
    private final FileSystem src;
    private final Path srcRoot;
    private final FileSystem dst;
    private final Path dstRoot;
    private final String from;
    private final String to;
    private final ManifestStore srcStore;
    private final ShardCommitter committer;
    private final SyncFiles files;
    private final String attemptId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final Path staging;
    private volatile boolean committed;

    Attempt(FileSystem src, Path srcRoot, FileSystem dst, Path dstRoot, String from, String to) {
      this.src = src;
      this.srcRoot = srcRoot;
      this.dst = dst;
      this.dstRoot = dstRoot;
      this.from = from;
      this.to = to;
      this.srcStore = new ManifestStore(src, srcRoot);
      this.committer = new ShardCommitter(dst, dstRoot);
      this.files = new SyncFiles(dst, dstRoot);
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
          claimHistory(source, missingBelow(source));
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

    private String visible(Optional<Manifest> current) {
      return current
          .map(t -> "its version " + t.version() + " (run " + t.runId() + ")")
          .orElse("no committed version");
    }

    private SyncResult copyAndCommit(
        Manifest source, Optional<Manifest> current, Lineage.Decision decision, Duration retention)
        throws IOException {
      Map<String, Manifest.ShardEntry> there = new HashMap<>();
      Map<String, Manifest.FileEntry> live = new HashMap<>();
      current.ifPresent(
          t ->
              t.shards()
                  .forEach(
                      s -> {
                        there.put(s.name(), s);
                        s.files().forEach(f -> live.put(f.path(), f));
                        s.errorFiles().forEach(f -> live.put(f.path(), f));
                      }));
      String visibleNow = visible(current);
      // Mark the target as shardscore's before the first byte, so a stopped sync can be rerun.
      dst.mkdirs(dstStore().metaDir());
      List<String> copiedShards = new ArrayList<>();
      List<Manifest.Move> moves = new ArrayList<>();
      int copied = 0;
      int skipped = 0;
      long bytes = 0;
      for (Manifest.ShardEntry s : source.shards()) {
        Manifest.ShardEntry t = there.get(s.name());
        if (t != null && Lineage.sameFiles(t, s)) {
          continue;
        }
        copiedShards.add(s.name());
        List<Manifest.FileEntry> shardFiles = new ArrayList<>(s.files());
        shardFiles.addAll(s.errorFiles());
        for (Manifest.FileEntry f : shardFiles) {
          Manifest.FileEntry listed = live.get(f.path());
          if (listed != null) {
            if (!listed.crc32c().equals(f.crc32c())) {
              throw new SyncException(
                  "Target file "
                      + f.path()
                      + " is listed by the target's version with CRC32C "
                      + listed.crc32c()
                      + ", the source lists it with "
                      + f.crc32c()
                      + "; refusing to overwrite it. Nothing was committed on the target, which"
                      + " still shows "
                      + visibleNow
                      + ". File names are never reused, so one of the two stores was changed"
                      + " outside shardscore: restore it, or sync into an empty folder.");
            }
            skipped++;
            continue;
          }
          Path finalPath = new Path(dstRoot, f.path());
          if (dst.exists(finalPath)) {
            // Not listed by the target's newest version, but kept for an older one's readers.
            if (!SyncFiles.contentOf(dst, finalPath).matches(f)) {
              throw new SyncException(
                  "Target file "
                      + finalPath
                      + " exists with other content than the source's manifest records, and the"
                      + " target's newest version does not list it; refusing to overwrite it."
                      + " Nothing was committed on the target, which still shows "
                      + visibleNow
                      + ". It was changed outside shardscore: remove it, then rerun the sync.");
            }
            skipped++;
            continue;
          }
          Path staged = new Path(staging, f.path());
          bytes +=
              SyncFiles.copyVerified(src, new Path(srcRoot, f.path()), dst, staged, f, visibleNow);
          moves.add(new Manifest.Move(staged.toString(), f.path()));
          copied++;
          FaultInjection.check(FaultInjection.SYNC_AFTER_FILES, copied);
        }
      }
      Set<String> names = new HashSet<>();
      source.shards().forEach(s -> names.add(s.name()));
      List<String> deleted =
          there.keySet().stream().filter(n -> !names.contains(n)).sorted().toList();
      Manifest next = manifest(source, current, decision, moves, retention);

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
                claimHistory(next, previous);
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
          copiedShards.size(),
          copied,
          bytes,
          skipped,
          deleted);
      return new SyncResult(
          source.version(),
          current.map(Manifest::version).orElse(-1L),
          next.version(),
          false,
          copiedShards,
          copied,
          bytes,
          skipped,
          deleted);
    }

    /** The manifest this sync commits on the target. */
    private Manifest manifest(
        Manifest source,
        Optional<Manifest> current,
        Lineage.Decision decision,
        List<Manifest.Move> moves,
        Duration retention) {
      Set<String> newLive = source.liveFiles();
      List<String> supersedes =
          current
              .map(t -> t.liveFiles().stream().filter(f -> !newLive.contains(f)).sorted().toList())
              .orElse(List.of());
      long retainUntil = System.currentTimeMillis() + retention.toMillis();
      if (decision.kind() == Lineage.Kind.SAME_VERSION) {
        return source.onTarget(moves, supersedes, retainUntil);
      }
      Manifest t = current.orElseThrow();
      return new Manifest(
          Manifest.FORMAT,
          t.version() + 1,
          t.version(),
          source.storeId(),
          source.runId(),
          attemptId,
          Instant.now().toString(),
          source.mode(),
          source.model(),
          source.plan(),
          source.settingsDigest(),
          source.shards(),
          source.input(),
          moves,
          supersedes,
          retainUntil,
          source.contentCommit());
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

    /** The versions below {@code newest} the target lacks, down to the first it has. */
    private long missingBelow(Manifest newest) {
      long v = newest.version() - 1;
      while (v >= 1 && dstStore().version(v).isEmpty()) {
        v--;
      }
      return v;
    }

    /**
     * Copies the source's versions after {@code previous} and before {@code committed} into the
     * target's history, oldest first, once {@code committed} is committed there: readers of those
     * versions and later lineage checks find them, and no other writer can commit under those
     * numbers behind the new version. Best effort: never throws for a store failure.
     */
    private void claimHistory(Manifest committed, long previous) {
      for (long v = previous + 1; v < committed.version(); v++) {
        try {
          Optional<Manifest> m = srcStore.version(v);
          if (m.isEmpty()) {
            continue;
          }
          // The source's own staging and deletions mean nothing on the target: the commit's
          // own supersedes cover every file the target drops.
          dstStore().writeHistory(m.get().onTarget(List.of(), List.of(), 0));
          Optional<Manifest> there = dstStore().version(v);
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
}

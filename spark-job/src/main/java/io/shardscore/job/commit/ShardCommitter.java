package io.shardscore.job.commit;

import io.shardscore.job.store.FaultInjection;
import io.shardscore.job.store.ReplaceFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Commits a manifest and carries out what follows it (docs/commit-protocol.md, steps 6-10): the
 * exclusive creation of the version is the commit point; after it the staged files are moved into
 * place, {@code manifest.json} is written, and the files the commit superseded are deleted once
 * their retention has passed. Nothing after the commit point rolls back: a failure there is logged,
 * and the next run or sync finishes the work ({@link #ensureInPlace}, {@link #sweep}).
 */
public final class ShardCommitter {
  private static final Logger LOG = LogManager.getLogger(ShardCommitter.class);

  private final FileSystem fs;
  private final Path root;
  private final ManifestStore store;
  private final Consumer<Manifest> publisher;

  public ShardCommitter(FileSystem fs, Path outputRoot) {
    this(fs, outputRoot, m -> {});
  }

  private ShardCommitter(FileSystem fs, Path outputRoot, Consumer<Manifest> publisher) {
    this.fs = fs;
    this.root = outputRoot;
    this.store = new ManifestStore(fs, outputRoot);
    this.publisher = publisher;
  }

  /**
   * This committer, running {@code publisher} once a committed version's files are all in place and
   * before the files it superseded are deleted (a catalog table over the committed files is
   * refreshed there: its previous file set stays readable until it has switched).
   */
  public ShardCommitter publishingTo(Consumer<Manifest> publisher) {
    return new ShardCommitter(fs, root, publisher);
  }

  /**
   * Runs the publisher for {@code inPlace}, a committed version whose files are all in place; false
   * when it failed (logged): then the superseded files must stay, since what was published before
   * may still read them. Idempotent publishers make this safe to repeat (the next run does).
   */
  public boolean publish(Manifest inPlace) {
    try {
      publisher.accept(inPlace);
      return true;
    } catch (RuntimeException e) {
      LOG.warn(
          "Committed version {} of {}, but could not publish it: {}. The files it superseded are"
              + " kept; the next run publishes it and removes them.",
          inPlace.version(),
          root,
          e.getMessage(),
          e);
      return false;
    }
  }

  public ManifestStore store() {
    return store;
  }

  /**
   * Commits {@code next}. Throws {@link ConcurrentCommitException} when another writer committed
   * its version first and {@link CommitException} when the store failed before the commit point;
   * then nothing visible changed. Once it returns, {@code next} is committed, whatever failed
   * after.
   *
   * @param consumed journals of earlier attempts whose finished shards {@code next} took over:
   *     their journals and staging are removed once the files are in place
   */
  public void commit(Manifest next, List<PendingRun> consumed) {
    commit(next, consumed, () -> {});
  }

  /**
   * {@link #commit(Manifest, List)}, running {@code atCommitPoint} right after the commit point and
   * before the roll-forward (sync uses it for its own fault point and to claim the versions a
   * fast-forward skipped). It must not throw for a store failure: the commit has happened.
   */
  public void commit(Manifest next, List<PendingRun> consumed, Runnable atCommitPoint) {
    FaultInjection.check(FaultInjection.BEFORE_MANIFEST);
    try {
      store.commit(next);
    } catch (ConcurrentCommitException e) {
      throw e;
    } catch (IOException e) {
      throw new CommitException(
          "Commit of "
              + root
              + " failed before the commit point: "
              + e.getMessage()
              + (next.parentVersion() == null
                  ? "; the output still has no commit."
                  : "; version " + next.parentVersion() + " is still the visible one."),
          e);
    }
    FaultInjection.check(FaultInjection.AFTER_MANIFEST);
    atCommitPoint.run();
    afterCommit(next, consumed);
  }

  /** Steps 8-10 for a committed manifest: best effort, never throws for a store failure. */
  public void afterCommit(Manifest committed, List<PendingRun> consumed) {
    try {
      rollForward(committed);
      FaultInjection.check(FaultInjection.BEFORE_POINTER);
      store.writeInPlace(committed);
    } catch (IOException e) {
      // A store failure: the next reader or run finishes the moves. (A listed file that is neither
      // staged nor in place is damage, not a store failure: that CommitException propagates.)
      LOG.warn(
          "Committed version {} of {}, but could not yet move all its files into place: {}."
              + " Manifest-aware readers and the next run finish this.",
          committed.version(),
          root,
          e.toString());
      return;
    }
    FaultInjection.check(FaultInjection.BEFORE_PUBLISH);
    boolean published = publish(committed);
    FaultInjection.check(FaultInjection.BEFORE_CLEANUP);
    PendingJournal journal = new PendingJournal(fs, root);
    consumed.forEach(journal::remove);
    if (published) {
      sweep(committed);
    }
  }

  /**
   * Makes sure every file of the committed {@code manifest} is at its final path, finishing an
   * interrupted roll-forward; a no-op when {@code manifest.json} already confirms it. Throws {@link
   * CommitException} when a listed file is neither in place nor staged (a damaged output).
   */
  public void ensureInPlace(Manifest manifest) {
    Optional<Manifest> confirmed = store.inPlace();
    if (confirmed.isPresent() && confirmed.get().sameCommit(manifest)) {
      return;
    }
    try {
      rollForward(manifest);
    } catch (IOException e) {
      throw new CommitException(
          "Version "
              + manifest.version()
              + " of "
              + root
              + " is committed but its files could not be moved into place: "
              + e.getMessage()
              + ". Check that the output is writable, then rerun.",
          e);
    }
    try {
      store.writeInPlace(manifest);
    } catch (IOException e) {
      LOG.warn(
          "Every file of version {} of {} is in place, but {} could not be written: {}",
          manifest.version(),
          root,
          new OutputPaths(root).pointer(),
          e.toString());
    }
  }

  private void rollForward(Manifest m) throws IOException {
    int moved = 0;
    for (Manifest.Move move : m.moves()) {
      Path to = new Path(root, move.to());
      if (fs.exists(to)) {
        continue;
      }
      Path from = new Path(move.from());
      if (!fs.exists(from)) {
        throw new CommitException(
            "Version "
                + m.version()
                + " of "
                + root
                + " lists "
                + move.to()
                + ", which is neither in place nor staged at "
                + from
                + ": the output was changed outside shardscore. Restore the file, or rerun with"
                + " output.mode: overwrite to score everything again.");
      }
      fs.mkdirs(to.getParent());
      boolean renamed;
      try {
        renamed = fs.rename(from, to);
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        renamed = false; // another reader or run finished this move first
      }
      if (!renamed && !fs.exists(to)) {
        throw new IOException("could not move " + from + " to " + to);
      }
      FaultInjection.check(FaultInjection.DURING_MOVES, ++moved);
    }
    List<String> missing = new ArrayList<>();
    for (Manifest.FileEntry f : m.allFiles()) {
      if (!fs.exists(new Path(root, f.path()))) {
        missing.add(f.path());
      }
    }
    if (!missing.isEmpty()) {
      throw new CommitException(
          "Version "
              + m.version()
              + " of "
              + root
              + " lists files that do not exist: "
              + missing.subList(0, Math.min(5, missing.size()))
              + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : "")
              + ". The output was changed outside shardscore; rerun with output.mode: overwrite.");
    }
  }

  /**
   * Deletes the files that committed versions superseded, each once the retention of the commit
   * that superseded it has passed; never a file the newest manifest lists. Progress is recorded in
   * {@code _shardscore/cleaned-through} (the versions before it are fully swept), so an interrupted
   * sweep is finished by the next one.
   */
  public void sweep(Manifest newest) {
    try {
      long done = cleanedThrough();
      long now = System.currentTimeMillis();
      Set<String> live = newest.liveFiles();
      int deleted = 0;
      long contiguous = done;
      for (long v = done + 1; v <= newest.version(); v++) {
        Optional<Manifest> m = v == newest.version() ? Optional.of(newest) : store.version(v);
        if (m.isPresent() && !m.get().supersedes().isEmpty()) {
          if (m.get().retainUntilMillis() > now) {
            continue; // kept for that commit's output.retention; a later commit deletes them
          }
          for (String f : m.get().supersedes()) {
            if (!live.contains(f) && fs.delete(new Path(root, f), false)) {
              FaultInjection.check(FaultInjection.DURING_CLEANUP, ++deleted);
            }
          }
        }
        if (contiguous == v - 1) {
          contiguous = v;
        }
      }
      if (contiguous > done) {
        setCleanedThrough(contiguous);
      }
      removeEmptyShardFolders();
    } catch (IOException e) {
      LOG.warn(
          "Committed, but could not remove superseded files under {}: {}. The next commit removes"
              + " them; manifest-aware readers are not affected.",
          root,
          e.toString());
    }
  }

  private long cleanedThrough() throws IOException {
    Path p = new OutputPaths(root).cleanedThrough();
    if (!fs.exists(p)) {
      return 0;
    }
    try (var in = fs.open(p)) {
      return Long.parseLong(
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void setCleanedThrough(long version) throws IOException {
    Path p = new OutputPaths(root).cleanedThrough();
    Path tmp = new Path(p.getParent(), "." + p.getName() + "." + java.util.UUID.randomUUID());
    byte[] bytes = Long.toString(version).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (!ReplaceFile.replace(fs, tmp, p, bytes)) {
      fs.delete(tmp, false);
    }
  }

  /** Removes {@code shard=*} folders left empty by deletions (data and errors). */
  private void removeEmptyShardFolders() throws IOException {
    for (Path base : List.of(root, new OutputPaths(root).errors())) {
      if (!fs.exists(base)) {
        continue;
      }
      for (FileStatus dir : fs.listStatus(base)) {
        if (dir.isDirectory()
            && OutputPaths.isShardFolder(dir.getPath().getName())
            && fs.listStatus(dir.getPath()).length == 0) {
          fs.delete(dir.getPath(), false);
        }
      }
    }
  }
}

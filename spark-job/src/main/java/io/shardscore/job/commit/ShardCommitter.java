package io.shardscore.job.commit;

import io.shardscore.job.store.FaultInjection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Turns a run's staged files into the output's new committed state: move the files to their
 * run-unique names under {@code shard=<name>/}, commit the manifest, then delete files the new
 * manifest no longer lists. Until the manifest is written nothing is deleted; if anything fails
 * before it, the moved files are removed again and the previous commit stays as it was.
 */
public final class ShardCommitter {
  private static final Logger LOG = LogManager.getLogger(ShardCommitter.class);

  private final FileSystem fs;
  private final Path root;
  private final ManifestStore store;

  public ShardCommitter(FileSystem fs, Path outputRoot) {
    this.fs = fs;
    this.root = outputRoot;
    this.store = new ManifestStore(fs, outputRoot);
  }

  public ManifestStore store() {
    return store;
  }

  /**
   * Commits {@code next}: moves the staged files into place, then writes the manifest. If that
   * fails, the moved files go back to staging, where a later run can resume from them, and the
   * previous commit stays the visible one.
   */
  public void commit(Manifest next, List<StagedFile> staged) {
    commit(next, staged, Set.of(), java.time.Duration.ZERO);
  }

  /**
   * Commits {@code next}; files of {@code previouslyLive} that it drops stay for {@code retention}
   * (see {@link Retention}).
   */
  public void commit(
      Manifest next,
      List<StagedFile> staged,
      Set<String> previouslyLive,
      java.time.Duration retention) {
    List<StagedFile> moved = new ArrayList<>();
    boolean committed = false;
    try {
      FaultInjection.check(FaultInjection.AFTER_STAGING);
      for (StagedFile f : staged) {
        Path from = new Path(f.stagedPath());
        Path to = new Path(root, f.finalPath());
        if (!fs.exists(from) && fs.exists(to)) {
          continue; // moved by an earlier attempt at this commit that died before the manifest
        }
        fs.mkdirs(to.getParent());
        if (!fs.rename(from, to)) {
          throw new CommitException(
              "Could not move staged file " + from + " to " + to + "; the output is unchanged.");
        }
        moved.add(f);
      }
      FaultInjection.check(FaultInjection.BEFORE_MANIFEST);
      store.commit(next);
      committed = true;
    } catch (IOException e) {
      throw new CommitException(
          "Commit of "
              + root
              + " failed: "
              + e.getMessage()
              + "; the previous commit is still the visible one.",
          e);
    } finally {
      if (!committed) {
        rollBack(moved);
      }
    }
    Set<String> keep = new java.util.HashSet<>(next.liveFiles());
    try {
      keep.addAll(
          Retention.protect(
              fs, root, previouslyLive, next.liveFiles(), retention, System.currentTimeMillis()));
    } catch (IOException e) {
      LOG.warn(
          "Could not update the superseded-files ledger of {}: {}; keeping all files", root, e);
      return;
    }
    removeUnlisted(keep);
  }

  /** Moves files back to staging so that the run can be resumed; deletes what cannot move. */
  private void rollBack(List<StagedFile> moved) {
    for (StagedFile f : moved) {
      Path at = new Path(root, f.finalPath());
      try {
        if (!fs.rename(at, new Path(f.stagedPath()))) {
          fs.delete(at, false);
        }
      } catch (IOException e) {
        deleteQuietly(at);
      }
    }
  }

  /**
   * Deletes data and error files under {@code shard=*} folders that {@code live} does not list:
   * superseded files of earlier commits and leftovers of runs that died before committing.
   */
  public void removeUnlisted(Set<String> live) {
    try {
      if (!fs.exists(root)) {
        return;
      }
      removeUnlistedUnder(root, "", live);
      Path errors = new Path(root, "_errors");
      if (fs.exists(errors)) {
        removeUnlistedUnder(errors, "_errors/", live);
      }
    } catch (IOException e) {
      LOG.warn(
          "Committed, but could not remove superseded files under {}: {}. The next run removes"
              + " them; manifest-aware readers are not affected.",
          root,
          e.toString());
    }
  }

  private void removeUnlistedUnder(Path base, String prefix, Set<String> live) throws IOException {
    for (FileStatus dir : fs.listStatus(base)) {
      String name = dir.getPath().getName();
      if (!dir.isDirectory() || !name.startsWith("shard=")) {
        continue;
      }
      int kept = 0;
      for (FileStatus file : fs.listStatus(dir.getPath())) {
        String relative = prefix + name + "/" + file.getPath().getName();
        if (live.contains(relative)) {
          kept++;
        } else if (file.isFile()) {
          fs.delete(file.getPath(), false);
        } else {
          kept++;
        }
      }
      if (kept == 0) {
        fs.delete(dir.getPath(), true);
      }
    }
  }

  private void deleteQuietly(Path p) {
    try {
      fs.delete(p, true);
    } catch (IOException e) {
      LOG.warn("Could not delete {}: {}", p, e.toString());
    }
  }
}

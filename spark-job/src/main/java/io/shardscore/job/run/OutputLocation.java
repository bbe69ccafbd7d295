package io.shardscore.job.run;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputGuard;
import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.store.StorePaths;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The output a run commits into: its qualified root, its file system, and its newest commit when it
 * has one (checked against the output mode).
 */
public record OutputLocation(Path root, FileSystem fs, Optional<Manifest> previous) {
  private static final Logger LOG = LogManager.getLogger(OutputLocation.class);

  static OutputLocation open(String path, OutputMode mode, Configuration hadoop) {
    Path root = StorePaths.qualify(path, hadoop, "output.path");
    FileSystem fs = StorePaths.fileSystem(root, hadoop, "output.path");
    return new OutputLocation(root, fs, OutputGuard.check(fs, root, mode));
  }

  ShardCommitter committer() {
    return new ShardCommitter(fs, root);
  }

  PendingJournal journal() {
    return new PendingJournal(fs, root);
  }

  /** The version this run builds on: 0 for a new output. */
  long baseVersion() {
    return previous.map(Manifest::version).orElse(0L);
  }

  /**
   * What readers of the output see after a run that did not commit, as the end of a sentence: the
   * previous commit, or nothing at all for an output that never had one.
   */
  String visibleAfterFailure() {
    return previous
        .map(m -> root + " still shows version " + m.version() + " (run " + m.runId() + ")")
        .orElse(root + " has no commit, so readers still see no results there");
  }

  /** True when {@code folder} exists and holds at least one file: checked, never assumed. */
  boolean holdsFiles(Path folder) {
    try {
      return fs.listFiles(folder, true).hasNext();
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      LOG.warn("Could not list {}: {}", folder, e.toString());
      return false;
    }
  }

  /** Where one attempt of a run stages its files until the commit moves them. */
  Path staging(String runId, String attemptId) {
    return new OutputPaths(root).staging(runId, attemptId);
  }
}

package io.shardscore.job.run;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputGuard;
import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.store.StorePaths;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The output a run commits into: its qualified root, its file system, and its newest commit when it
 * has one (checked against the output mode).
 */
public record OutputLocation(Path root, FileSystem fs, Optional<Manifest> previous) {

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

  /** Where one attempt of a run stages its files until the commit moves them. */
  Path staging(String runId, String attemptId) {
    return new OutputPaths(root).staging(runId, attemptId);
  }
}

package io.shardscore.job.commit;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.store.StoreErrors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Decides, before any Spark job runs, whether a run may write to its output: {@code
 * error-if-exists} needs an empty or absent output; {@code overwrite} and {@code incremental} need
 * one that shardscore manages, so that a mistyped path never deletes somebody else's files.
 */
public final class OutputGuard {
  private OutputGuard() {}

  /** Returns the current manifest (if any) once the output is found writable in {@code mode}. */
  public static Optional<Manifest> check(FileSystem fs, Path root, OutputMode mode) {
    try {
      if (!fs.exists(root)) {
        return Optional.empty();
      }
      FileStatus status = fs.getFileStatus(root);
      if (!status.isDirectory()) {
        throw new JobConfigException(
            "output.path " + root + " is a file; point it at a folder (it is created if absent).");
      }
      ManifestStore store = new ManifestStore(fs, root);
      Optional<Manifest> current = store.current();
      boolean managed = fs.exists(store.metaDir());
      List<String> entries = new ArrayList<>();
      for (FileStatus s : fs.listStatus(root)) {
        entries.add(s.getPath().getName());
      }
      if (current.isPresent()) {
        if (mode == OutputMode.ERROR_IF_EXISTS) {
          Manifest m = current.get();
          throw new JobConfigException(
              "output.path "
                  + root
                  + " already holds committed results (manifest version "
                  + m.version()
                  + ", run "
                  + m.runId()
                  + "). Set output.mode: overwrite (or --mode overwrite) to replace them, or choose"
                  + " a new output path.");
        }
        return current;
      }
      if (entries.isEmpty() || managed) {
        // Absent, empty, or only leftovers of shardscore runs that never committed.
        return Optional.empty();
      }
      throw new JobConfigException(
          "output.path "
              + root
              + " is not empty and was not written by shardscore (it holds "
              + String.join(", ", entries.subList(0, Math.min(5, entries.size())))
              + (entries.size() > 5 ? ", ..." : "")
              + "). Point output.path at an empty folder or at an earlier shardscore output.");
    } catch (IOException e) {
      throw new JobConfigException(StoreErrors.explain("output.path", root, e, fs.getConf()));
    }
  }
}

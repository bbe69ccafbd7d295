package io.shardscore.job.commit;

import io.shardscore.job.store.ExclusiveCreate;
import io.shardscore.job.store.JsonFiles;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Pending attempts under {@code _shardscore/pending/} and the completion markers their tasks leave
 * in staging ({@code _done/part-PPPPP-t<task attempt id>.json}, written after the task's files are
 * closed). Together they make finished shards durable across a crash of the driver or of the
 * commit. Every journal and marker has a name of its own: nothing here is ever replaced.
 */
public final class PendingJournal {
  private static final Logger LOG = LogManager.getLogger(PendingJournal.class);

  private final FileSystem fs;
  private final Path dir;

  public PendingJournal(FileSystem fs, Path outputRoot) {
    this.fs = fs;
    this.dir = new OutputPaths(outputRoot).pending();
  }

  /** Writes the journal of a new attempt (its name is unique, so it never replaces another). */
  public void write(PendingRun run) throws IOException {
    fs.mkdirs(dir);
    Path target = new Path(dir, run.journalName());
    if (JsonFiles.create(fs, target, run, () -> {}) == ExclusiveCreate.Outcome.EXISTS) {
      throw new IOException("pending journal " + target + " already exists");
    }
  }

  /** Pending attempts, newest first. */
  public List<PendingRun> list() {
    List<PendingRun> runs = new ArrayList<>();
    try {
      if (!fs.exists(dir)) {
        return runs;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (!name.endsWith(".json") || name.startsWith(".")) {
          continue;
        }
        try (InputStream in = fs.open(s.getPath())) {
          runs.add(JsonFiles.read(in, PendingRun.class));
        } catch (IOException | RuntimeException e) {
          LOG.warn("Ignoring unreadable pending journal {}: {}", s.getPath(), e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("Cannot list pending runs in {}: {}", dir, e.toString());
    }
    runs.sort((a, b) -> Long.compare(b.startedAtMillis(), a.startedAtMillis()));
    return runs;
  }

  /**
   * Completed task outcomes of a pending attempt, one per partition. When several task attempts of
   * a partition finished (a zombie and its retry), each left complete files of its own; the one
   * with the lowest task attempt id is taken.
   */
  public Map<Integer, TaskOutcome> completed(PendingRun run) {
    return completed(new Path(run.stagingDir()));
  }

  /**
   * Completed task outcomes under an attempt's staging folder (see {@link #completed(PendingRun)}).
   */
  public Map<Integer, TaskOutcome> completed(Path stagingDir) {
    Map<Integer, TaskOutcome> done = new HashMap<>();
    Path markers = new Path(stagingDir, OutputPaths.DONE_DIR);
    try {
      if (!fs.exists(markers)) {
        return done;
      }
      for (FileStatus s : fs.listStatus(markers)) {
        if (!s.getPath().getName().endsWith(".json") || s.getPath().getName().startsWith(".")) {
          continue;
        }
        try (InputStream in = fs.open(s.getPath())) {
          TaskOutcome o = JsonFiles.read(in, TaskOutcome.class);
          done.merge(o.partition(), o, (a, b) -> a.taskAttemptId() <= b.taskAttemptId() ? a : b);
        } catch (IOException | RuntimeException e) {
          LOG.warn("Ignoring unreadable task marker {}: {}", s.getPath(), e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("Cannot list task markers in {}: {}", markers, e.toString());
    }
    return done;
  }

  /** Writes a task's completion marker; called by the task once its files are closed. */
  public static void markDone(FileSystem fs, Path stagingDir, TaskOutcome outcome)
      throws IOException {
    Path markers = new Path(stagingDir, OutputPaths.DONE_DIR);
    String name =
        String.format(
            Locale.ROOT, "part-%05d-t%d.json", outcome.partition(), outcome.taskAttemptId());
    fs.mkdirs(markers);
    JsonFiles.create(fs, new Path(markers, name), outcome, () -> {});
  }

  /**
   * Removes an attempt's journal and staging folder. Only the attempt itself after its commit, or
   * an attempt that committed the shards it resumed from {@code run}, may call this.
   */
  public void remove(PendingRun run) {
    try {
      fs.delete(new Path(dir, run.journalName()), false);
      fs.delete(new Path(run.stagingDir()), true);
    } catch (IOException e) {
      LOG.warn(
          "Could not remove the journal and staging of run {} attempt {}: {}; the next commit"
              + " retries",
          run.runId(),
          run.attemptId(),
          e.toString());
    }
  }

  /** Removes only an attempt's journal (its staging is kept, e.g. for inspection). */
  public void forget(PendingRun run) {
    try {
      fs.delete(new Path(dir, run.journalName()), false);
    } catch (IOException e) {
      LOG.warn("Could not remove pending journal {}: {}", run.journalName(), e.toString());
    }
  }
}

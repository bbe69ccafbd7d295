package io.shardscore.job.commit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.score.TaskOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Pending runs under {@code _shardscore/pending/} and the completion markers their tasks leave in
 * staging ({@code _done/part-NNNNN-aA.json}, written after the task's files are closed). Together
 * they make finished shards durable across a crash of the driver or of the commit.
 */
public final class PendingJournal {
  private static final Logger LOG = LogManager.getLogger(PendingJournal.class);
  public static final String DONE_DIR = "_done";
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final FileSystem fs;
  private final Path dir;

  public PendingJournal(FileSystem fs, Path outputRoot) {
    this.fs = fs;
    this.dir = new Path(outputRoot, ManifestStore.META_DIR + "/pending");
  }

  public void write(PendingRun run) throws IOException {
    fs.mkdirs(dir);
    Path tmp = new Path(dir, "." + run.runId() + ".json.tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      JSON.writeValue(out, run);
    }
    Path target = new Path(dir, run.runId() + ".json");
    fs.delete(target, false);
    if (!fs.rename(tmp, target)) {
      throw new IOException("could not write pending journal " + target);
    }
  }

  /** Pending runs, newest run id first. */
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
          runs.add(JSON.readValue(in, PendingRun.class));
        } catch (IOException e) {
          LOG.warn("Ignoring unreadable pending journal {}: {}", s.getPath(), e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("Cannot list pending runs in {}: {}", dir, e.toString());
    }
    runs.sort((a, b) -> b.runId().compareTo(a.runId()));
    return runs;
  }

  /** Completed task outcomes of a pending run, one per partition (the lowest attempt). */
  public Map<Integer, TaskOutcome> completed(PendingRun run) {
    Map<Integer, TaskOutcome> done = new HashMap<>();
    Path markers = new Path(run.stagingDir(), DONE_DIR);
    try {
      if (!fs.exists(markers)) {
        return done;
      }
      for (FileStatus s : fs.listStatus(markers)) {
        if (!s.getPath().getName().endsWith(".json")) {
          continue;
        }
        try (InputStream in = fs.open(s.getPath())) {
          TaskOutcome o = JSON.readValue(in, TaskOutcome.class);
          done.merge(o.partition(), o, (a, b) -> a.attempt() <= b.attempt() ? a : b);
        } catch (IOException e) {
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
    Path markers = new Path(stagingDir, DONE_DIR);
    String name = String.format("part-%05d-a%d.json", outcome.partition(), outcome.attempt());
    Path tmp = new Path(markers, "." + name + ".tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      JSON.writeValue(out, outcome);
    }
    fs.rename(tmp, new Path(markers, name));
  }

  /** Forgets every pending run (after a commit, which supersedes them). */
  public void clear() {
    try {
      fs.delete(dir, true);
    } catch (IOException e) {
      LOG.warn("Could not clear {}: {}", dir, e.toString());
    }
  }

  public void forget(String runId) {
    try {
      fs.delete(new Path(dir, runId + ".json"), false);
    } catch (IOException e) {
      LOG.warn("Could not remove pending journal of {}: {}", runId, e.toString());
    }
  }
}

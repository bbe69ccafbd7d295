package io.shardscore.job.commit;

import io.shardscore.job.store.ExclusiveCreate;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.job.store.JsonFiles;
import io.shardscore.job.store.StoreErrors;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and writes an output's manifests under {@code _shardscore/}. A commit creates {@code
 * manifests/v<version>.json} exclusively (see {@link ExclusiveCreate}): that creation is the commit
 * point, and of two writers racing for one version exactly one wins. {@code manifest.json} is a
 * copy of the newest version whose files are all in place, written after the roll-forward.
 */
public final class ManifestStore {
  private static final Pattern VERSION_FILE = Pattern.compile("v(\\d{10})\\.json");

  private final FileSystem fs;
  private final Path root;

  public ManifestStore(FileSystem fs, Path outputRoot) {
    this.fs = fs;
    this.root = outputRoot;
  }

  public Path metaDir() {
    return new OutputPaths(root).meta();
  }

  private Path versionsDir() {
    return new OutputPaths(root).manifests();
  }

  private Path pointerPath() {
    return new OutputPaths(root).pointer();
  }

  /** The newest committed manifest, if any. */
  public Optional<Manifest> current() {
    try {
      long newest = newestVersion();
      return newest < 0 ? Optional.empty() : Optional.of(read(versionPath(newest)));
    } catch (IOException e) {
      throw new CommitException(
          "Cannot read the manifest: "
              + StoreErrors.explain("output.path", metaDir(), e, fs.getConf()),
          e);
    }
  }

  private long newestVersion() throws IOException {
    if (!fs.exists(versionsDir())) {
      return -1;
    }
    long newest = -1;
    for (FileStatus s : fs.listStatus(versionsDir())) {
      Matcher m = VERSION_FILE.matcher(s.getPath().getName());
      if (m.matches()) {
        newest = Math.max(newest, Long.parseLong(m.group(1)));
      }
    }
    return newest;
  }

  /** The committed manifest of {@code version}, if this output has it in its history. */
  public Optional<Manifest> version(long version) {
    Path path = versionPath(version);
    try {
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      return Optional.of(read(path));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new CommitException("Cannot read manifest " + path + ": " + e.getMessage(), e);
    }
  }

  /** The manifest whose files were last confirmed in place ({@code manifest.json}), if any. */
  public Optional<Manifest> inPlace() {
    try {
      return fs.exists(pointerPath()) ? Optional.of(read(pointerPath())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // unreadable or half-written: treat as not confirmed
    }
  }

  /**
   * Commits {@code manifest}: creates its version exclusively. Throws {@link
   * ConcurrentCommitException} when another writer created that version first, and {@link
   * IOException} when the store failed; in both cases this manifest is not committed.
   */
  public void commit(Manifest manifest) throws IOException {
    Path target = versionPath(manifest.version());
    byte[] bytes = JsonFiles.bytes(manifest);
    fs.mkdirs(versionsDir());
    ExclusiveCreate.Outcome outcome;
    try {
      outcome =
          ExclusiveCreate.create(
              fs, target, bytes, () -> FaultInjection.check(FaultInjection.DURING_MANIFEST));
    } catch (IOException e) {
      // Unknown outcome (e.g. a timeout after the store accepted the write): read it back.
      Optional<Manifest> there = readBack(manifest.version());
      if (there.isPresent() && there.get().sameCommit(manifest)) {
        return;
      }
      if (there.isPresent()) {
        throw conflict(manifest, there.get());
      }
      throw e;
    }
    if (outcome == ExclusiveCreate.Outcome.EXISTS) {
      throw conflict(manifest, readBack(manifest.version()).orElse(null));
    }
  }

  private Optional<Manifest> readBack(long version) {
    try {
      return version(version);
    } catch (CommitException e) {
      return Optional.empty();
    }
  }

  private ConcurrentCommitException conflict(Manifest mine, Manifest theirs) {
    return new ConcurrentCommitException(
        "Another run committed version "
            + mine.version()
            + " of "
            + root
            + " first"
            + (theirs == null ? "" : " (run " + theirs.runId() + ")")
            + ", so this run committed nothing and left that commit untouched. Run one job per"
            + " output at a time (Airflow: max_active_runs=1), then rerun: an incremental rerun"
            + " reuses this run's finished shards.");
  }

  /**
   * Adds a version to the history without checking lineage (sync copies the source's history). A
   * version that already exists is left as it is.
   */
  public void writeHistory(Manifest manifest) throws IOException {
    fs.mkdirs(versionsDir());
    JsonFiles.create(fs, versionPath(manifest.version()), manifest, () -> {});
  }

  /** Writes {@code manifest.json} as a copy of {@code manifest}: its files are all in place. */
  public void writeInPlace(Manifest manifest) throws IOException {
    if (fs.exists(pointerPath()) && fs.getFileStatus(pointerPath()).isDirectory()) {
      throw new IOException(
          pointerPath() + " is a folder; remove it so that shardscore can write it");
    }
    Path tmp = new Path(metaDir(), ".manifest.json." + manifest.commitKey().replace('/', '_'));
    if (!JsonFiles.replace(fs, tmp, pointerPath(), manifest)) {
      throw new IOException("could not write " + pointerPath());
    }
  }

  private Manifest read(Path path) throws IOException {
    return JsonFiles.read(fs, path, Manifest.class);
  }

  private Path versionPath(long version) {
    return new OutputPaths(root).manifestVersion(version);
  }
}

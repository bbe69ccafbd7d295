package io.shardscore.job.commit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.shardscore.job.store.StoreErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and writes an output's manifests under {@code _shardscore/}. Each commit creates {@code
 * manifests/v<version>.json}, atomically and only if absent: that creation is the commit point, and
 * two runs racing for the same version cannot both win. {@code manifest.json} is then refreshed as
 * a copy of the newest version for tools that want one fixed name; readers trust the newest {@code
 * manifests/} entry.
 */
public final class ManifestStore {
  public static final String META_DIR = "_shardscore";
  private static final Pattern VERSION_FILE = Pattern.compile("v(\\d{10})\\.json");
  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final FileSystem fs;
  private final Path root;

  public ManifestStore(FileSystem fs, Path outputRoot) {
    this.fs = fs;
    this.root = outputRoot;
  }

  public Path metaDir() {
    return new Path(root, META_DIR);
  }

  private Path versionsDir() {
    return new Path(metaDir(), "manifests");
  }

  /** The newest committed manifest, if any. */
  public Optional<Manifest> current() {
    try {
      if (!fs.exists(versionsDir())) {
        return Optional.empty();
      }
      long newest = -1;
      for (FileStatus s : fs.listStatus(versionsDir())) {
        Matcher m = VERSION_FILE.matcher(s.getPath().getName());
        if (m.matches()) {
          newest = Math.max(newest, Long.parseLong(m.group(1)));
        }
      }
      if (newest < 0) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(versionPath(newest))) {
        return Optional.of(JSON.readValue(in, Manifest.class));
      }
    } catch (IOException e) {
      throw new CommitException(
          "Cannot read the manifest: "
              + StoreErrors.explain("output.path", metaDir(), e, fs.getConf()),
          e);
    }
  }

  /** The committed manifest of {@code version}, if this output has it in its history. */
  public Optional<Manifest> version(long version) {
    Path path = versionPath(version);
    try {
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(path)) {
        return Optional.of(JSON.readValue(in, Manifest.class));
      }
    } catch (IOException e) {
      throw new CommitException("Cannot read manifest " + path + ": " + e.getMessage(), e);
    }
  }

  /** Adds an older version to the history without making it current (used by sync). */
  public void writeHistory(Manifest manifest) throws IOException {
    fs.mkdirs(versionsDir());
    Path target = versionPath(manifest.version());
    Path tmp = new Path(versionsDir(), "." + target.getName() + "." + manifest.runId() + ".tmp");
    write(tmp, manifest);
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
    }
  }

  /** Moves the whole manifest history aside under {@code manifests-<label>/}, for audit. */
  public void setAside(String label) throws IOException {
    if (fs.exists(versionsDir())) {
      Path aside = new Path(metaDir(), "manifests-" + label);
      if (!fs.rename(versionsDir(), aside)) {
        throw new IOException("could not move " + versionsDir() + " to " + aside);
      }
    }
  }

  /** Commits {@code manifest}; fails if its version already exists. */
  public void commit(Manifest manifest) throws IOException {
    fs.mkdirs(versionsDir());
    Path target = versionPath(manifest.version());
    Path tmp = new Path(versionsDir(), "." + target.getName() + "." + manifest.runId() + ".tmp");
    write(tmp, manifest);
    io.shardscore.job.store.FaultInjection.check(
        io.shardscore.job.store.FaultInjection.DURING_MANIFEST);
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
      throw new CommitException(
          "Manifest version "
              + manifest.version()
              + " of "
              + root
              + " was committed by another run while this one ran. Run one job per output at a"
              + " time, then rerun.");
    }
    Path pointer = new Path(metaDir(), "manifest.json");
    Path pointerTmp = new Path(metaDir(), ".manifest.json." + manifest.runId() + ".tmp");
    write(pointerTmp, manifest);
    fs.delete(pointer, false);
    fs.rename(pointerTmp, pointer);
  }

  private void write(Path path, Manifest manifest) throws IOException {
    try (OutputStream out = fs.create(path, true)) {
      JSON.writeValue(out, manifest);
    }
  }

  private Path versionPath(long version) {
    return new Path(versionsDir(), String.format(Locale.ROOT, "v%010d.json", version));
  }

  /** Serializes a manifest as the JSON that is committed. */
  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

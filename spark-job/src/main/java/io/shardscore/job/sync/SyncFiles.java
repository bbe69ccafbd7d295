package io.shardscore.job.sync;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The files of a sync attempt on the target: each copied file is staged under {@code
 * _shardscore/staging/sync.<attempt>/<relative path>} through a temporary name, verified against
 * the CRC32C and size its manifest recorded (Hadoop's own checksums differ between stores), and
 * only then given its staged name. Staging folders of sync attempts are removed once the commit
 * that moved their files is in place, or once they are older than {@link #STALE_MILLIS} without a
 * commit.
 */
final class SyncFiles {
  private static final Logger LOG = LogManager.getLogger(SyncFiles.class);
  static final String PREFIX = "sync.";

  /** Staging of a sync that never committed is removed after this long (as for runs). */
  static final long STALE_MILLIS = TimeUnit.DAYS.toMillis(7);

  private final FileSystem dst;
  private final Path stagingRoot;

  SyncFiles(FileSystem dst, Path dstRoot) {
    this.dst = dst;
    this.stagingRoot = new OutputPaths(dstRoot).staging();
  }

  Path stagingOf(String attemptId) {
    return new Path(stagingRoot, PREFIX + attemptId);
  }

  /** What a file holds: its CRC32C (8 hex digits, as manifests record it) and its length. */
  record Content(String crc32c, long bytes) {
    boolean matches(Manifest.FileEntry entry) {
      return crc32c.equals(entry.crc32c()) && bytes == entry.bytes();
    }
  }

  /**
   * Copies {@code from} to {@code staged} through a temporary name; the copy takes its staged name
   * only when its CRC32C and size are the ones {@code entry} recorded. Returns the bytes copied.
   *
   * @param visibleNow what the target shows, for the error message
   */
  static long copyVerified(
      FileSystem src,
      Path from,
      FileSystem dst,
      Path staged,
      Manifest.FileEntry entry,
      String visibleNow)
      throws IOException {
    Path tmp = new Path(staged.getParent(), "." + staged.getName() + ".tmp");
    dst.mkdirs(staged.getParent());
    CRC32C crc = new CRC32C();
    long length = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = src.open(from);
        OutputStream out = dst.create(tmp, true)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
        crc.update(buf, 0, n);
        length += n;
      }
    }
    String actual = hex(crc);
    if (!actual.equals(entry.crc32c()) || length != entry.bytes()) {
      dst.delete(tmp, false);
      throw new SyncException(
          "Checksum mismatch for "
              + from
              + ": the manifest recorded CRC32C "
              + entry.crc32c()
              + " and "
              + entry.bytes()
              + " bytes, the copy has "
              + actual
              + " and "
              + length
              + ". The source file was changed or damaged after its commit; nothing was"
              + " committed on the target, which still shows "
              + visibleNow
              + ". Restore the file on the source (or rerun the job there with output.mode:"
              + " overwrite to score it again), then rerun the sync.");
    }
    if (!dst.rename(tmp, staged)) {
      throw new IOException("could not rename " + tmp + " to " + staged);
    }
    return length;
  }

  /** Reads a file once and returns its CRC32C and length. */
  static Content contentOf(FileSystem fs, Path path) throws IOException {
    CRC32C crc = new CRC32C();
    long length = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = fs.open(path)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        crc.update(buf, 0, n);
        length += n;
      }
    }
    return new Content(hex(crc), length);
  }

  private static String hex(CRC32C crc) {
    return String.format(Locale.ROOT, "%08x", crc.getValue());
  }

  /** Removes the staging folder of one sync attempt (best effort). */
  void remove(Path staging) {
    try {
      dst.delete(staging, true);
    } catch (IOException e) {
      LOG.warn(
          "Could not remove the sync staging folder {}: {}; a later sync removes it",
          staging,
          e.toString());
    }
  }

  /**
   * Removes the staging folders of sync attempts whose files {@code inPlace} moved into place (the
   * caller has confirmed that every file of {@code inPlace} is at its final path).
   */
  void removeRolledForward(Manifest inPlace) {
    Set<Path> folders = new LinkedHashSet<>();
    for (Manifest.Move move : inPlace.moves()) {
      for (Path p = new Path(move.from()); p != null && p.getParent() != null; p = p.getParent()) {
        if (p.getParent().equals(stagingRoot)) {
          if (p.getName().startsWith(PREFIX)) {
            folders.add(p);
          }
          break;
        }
      }
    }
    folders.forEach(this::remove);
  }

  /**
   * Removes the staging folders of other sync attempts that have not changed for {@link
   * #STALE_MILLIS}: such an attempt stopped before its commit (a sync that committed had its folder
   * removed once its files were in place), and its files are not part of any version.
   */
  void removeStale(Path own, long now) {
    try {
      if (!dst.exists(stagingRoot)) {
        return;
      }
      for (FileStatus s : dst.listStatus(stagingRoot)) {
        Path folder = s.getPath();
        if (!s.isDirectory() || !folder.getName().startsWith(PREFIX) || folder.equals(own)) {
          continue;
        }
        if (now - newestChange(folder, s.getModificationTime()) > STALE_MILLIS) {
          LOG.info("Removing the staging folder {} of a sync that never committed", folder);
          remove(folder);
        }
      }
    } catch (IOException e) {
      LOG.warn("Could not list {}: {}; a later sync retries", stagingRoot, e.toString());
    }
  }

  private long newestChange(Path folder, long folderTime) throws IOException {
    long newest = folderTime;
    RemoteIterator<LocatedFileStatus> files = dst.listFiles(folder, true);
    while (files.hasNext()) {
      newest = Math.max(newest, files.next().getModificationTime());
    }
    return newest;
  }
}

package io.shardscore.job.store;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Replaces a small file's whole content by writing a temporary file and renaming it over the old
 * one, so that a reader sees the old content or the new, never a part. For markers and copies that
 * may be rewritten ({@code manifest.json}, {@code cleaned-through}), never for a commit point (see
 * {@link ExclusiveCreate}).
 */
public final class ReplaceFile {
  private ReplaceFile() {}

  /**
   * Writes {@code bytes} to {@code tmp} (replacing a leftover of an earlier try), then renames it
   * to {@code target}. Rename replaces the target on {@code file:}; HDFS returns false and S3A
   * throws when the target exists: then the target is deleted and the rename tried once more.
   *
   * @return false when that last rename failed too; {@code tmp} is then still there
   */
  public static boolean replace(FileSystem fs, Path tmp, Path target, byte[] bytes)
      throws IOException {
    try (OutputStream out = fs.create(tmp, true)) {
      out.write(bytes);
    }
    boolean renamed;
    try {
      renamed = fs.rename(tmp, target);
    } catch (FileAlreadyExistsException e) {
      renamed = false;
    }
    if (renamed) {
      return true;
    }
    fs.delete(target, false);
    return fs.rename(tmp, target);
  }
}

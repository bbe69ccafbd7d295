package io.shardscore.job.store;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.error.Causes;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Resolves a configured path to a qualified Hadoop path and its file system, or says why not. */
public final class StorePaths {
  private StorePaths() {}

  /** {@code path} qualified against its file system ({@code key} names it in errors). */
  public static Path qualify(String path, Configuration hadoop, String key) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(hadoop).makeQualified(p);
    } catch (IOException | IllegalArgumentException e) {
      throw new JobConfigException(
          key
              + " '"
              + path
              + "' cannot be resolved: "
              + Causes.rootMessage(e)
              + ". Use a plain path or a URI such as file:/data/x or s3a://bucket/x.");
    }
  }

  /** The file system of an already qualified {@code path}. */
  public static FileSystem fileSystem(Path path, Configuration hadoop, String key) {
    try {
      return path.getFileSystem(hadoop);
    } catch (IOException e) {
      throw new JobConfigException(
          key + " " + path + " is on a file system that cannot be opened: " + e.getMessage() + ".");
    }
  }

  /** A local path for {@code file:} URIs (what native engines open), the URI otherwise. */
  public static String location(Path qualified) {
    String scheme = qualified.toUri().getScheme();
    return scheme == null || "file".equals(scheme)
        ? qualified.toUri().getPath()
        : qualified.toString();
  }
}

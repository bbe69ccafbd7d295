package io.shardscore.job.store;

import io.shardscore.job.config.JobConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * Whether a run's output and input are apart once both paths are resolved: a run whose output lies
 * in its input (or whose input lies in its output) writes among the files it reads, and every later
 * read of that input trips over its results. The one place that compares them; checked before the
 * output is opened and before any Spark job.
 *
 * <p>On the local file system ({@code file:} and plain paths on a local default file system) both
 * are compared canonically: the nearest existing ancestor of each path is resolved with {@link
 * java.nio.file.Path#toRealPath} (symbolic links followed in every component) and the rest of the
 * path appended; a dangling link is followed to its target. On every other store (s3a, hdfs, gs,
 * abfs, ...) the qualified URIs are compared, scheme, authority and path, so what the store itself
 * aliases cannot be detected: HDFS symbolic links, viewfs mount tables, two URIs for one bucket
 * (another endpoint, an access point or alias, {@code s3://} and {@code s3a://}), or a store
 * mounted locally (a FUSE mount) and named once by its local path and once by its URI.
 */
public final class PathOverlap {
  private static final int MAX_LINKS = 40;

  private PathOverlap() {}

  /**
   * Throws when the qualified {@code output} and {@code input} are the same folder or one lies
   * inside the other once resolved; the message names both as configured and, when symbolic links
   * changed them, as resolved.
   */
  public static void requireApart(Path input, Path output) {
    String in = resolved(input);
    String out = resolved(output);
    boolean linked = !in.equals(plain(input)) || !out.equals(plain(output));
    String detail;
    if (out.equals(in)) {
      detail = "the output" + shown(linked, out) + " is the input folder itself";
    } else if (within(out, in)) {
      detail = "the output" + shown(linked, out) + " is inside the input" + shown(linked, in);
    } else if (within(in, out)) {
      detail = "the input" + shown(linked, in) + " is inside the output" + shown(linked, out);
    } else {
      return;
    }
    throw new JobConfigException(
        "output.path "
            + output
            + " overlaps input.path "
            + input
            + ": "
            + (linked ? "with symbolic links resolved, " : "")
            + detail
            + ". A run would write among the files it reads (and later reads of the input would"
            + " fail on its results). Choose an output outside the input.");
  }

  /**
   * Throws when {@code path} (from setting {@code key}) is the model folder {@code folder} or lies
   * in it once resolved: every file of a model folder is part of the model, so an output there
   * would make each run's results a new model, and an input would be digested and copied to every
   * executor with it.
   */
  public static void requireOutsideModelFolder(Path folder, Path path, String key) {
    String f = resolved(folder);
    String p = resolved(path);
    if (p.equals(f) || within(p, f)) {
      throw new JobConfigException(
          key
              + " "
              + path
              + " lies in the model folder "
              + folder
              + " (model.path). Every file of a model folder is part of the model: its digest and"
              + " the copy on every executor. Choose a "
              + key
              + " outside the model folder.");
    }
  }

  private static String shown(boolean linked, String path) {
    return linked ? " " + path : "";
  }

  /** True when {@code path} is strictly inside {@code folder}. */
  private static boolean within(String path, String folder) {
    return path.startsWith(folder.endsWith("/") ? folder : folder + "/");
  }

  private static boolean local(Path qualified) {
    String scheme = qualified.toUri().getScheme();
    return scheme == null || "file".equalsIgnoreCase(scheme);
  }

  /** The qualified path as compared when nothing is resolved: a local path, or the URI. */
  private static String plain(Path qualified) {
    if (local(qualified)) {
      return java.nio.file.Path.of(qualified.toUri().getPath()).toAbsolutePath().normalize() + "";
    }
    java.net.URI u = qualified.toUri();
    String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
    return u.getScheme().toLowerCase(Locale.ROOT)
        + "://"
        + (u.getAuthority() == null ? "" : u.getAuthority())
        + (path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
  }

  /** Where {@code qualified} really is: canonical on the local file system, the URI elsewhere. */
  static String resolved(Path qualified) {
    String plain = plain(qualified);
    if (!local(qualified)) {
      return plain;
    }
    try {
      return canonical(java.nio.file.Path.of(plain), 0).toString();
    } catch (IOException | SecurityException e) {
      // A folder that cannot be read is compared as written; reading it fails later, named.
      return plain;
    }
  }

  /**
   * {@code path} (absolute, normalized) with every symbolic link resolved, whether or not the path
   * exists: the nearest existing ancestor's real path, then the rest.
   */
  private static java.nio.file.Path canonical(java.nio.file.Path path, int links)
      throws IOException {
    java.nio.file.Path existing = path;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return path;
    }
    java.nio.file.Path rest = existing.relativize(path);
    if (Files.isSymbolicLink(existing) && !Files.exists(existing)) {
      // A dangling link: what is created through it lands at its target.
      if (links >= MAX_LINKS) {
        throw new IOException("too many levels of symbolic links at " + existing);
      }
      java.nio.file.Path target =
          canonical(existing.getParent(), links + 1)
              .resolve(Files.readSymbolicLink(existing))
              .normalize();
      return canonical(target.resolve(rest), links + 1);
    }
    return existing.toRealPath().resolve(rest);
  }
}

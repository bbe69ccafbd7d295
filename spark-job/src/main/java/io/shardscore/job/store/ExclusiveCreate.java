package io.shardscore.job.store;

import io.shardscore.job.error.Causes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Creates a file with its whole content only if no file of that name exists, atomically, as the
 * store allows (see docs/commit-protocol.md, "The commit point on each store"): {@code file:}
 * writes a temporary file and hard-links it to the name ({@code link(2)} fails if the name exists);
 * {@code s3a:} uses S3's conditional PUT ({@code If-None-Match: *}); other stores write a temporary
 * file and rename it, which HDFS refuses when the target exists.
 */
public final class ExclusiveCreate {
  /** S3A's option for a conditional PUT that fails if the object exists (hadoop-aws 3.4.2+). */
  static final String S3A_CONDITIONAL = "fs.option.create.conditional.overwrite";

  private ExclusiveCreate() {}

  /** The outcome of one attempt to create a file exclusively. */
  public enum Outcome {
    CREATED,
    EXISTS
  }

  /**
   * Creates {@code target} holding {@code bytes} unless it exists. Throws {@link IOException} when
   * the outcome is unknown (the caller must read the target back to find out).
   */
  public static Outcome create(FileSystem fs, Path target, byte[] bytes, Runnable beforePublish)
      throws IOException {
    String scheme = fs.getUri().getScheme();
    if ("file".equals(scheme)) {
      return local(fs, target, bytes, beforePublish);
    }
    if ("s3a".equals(scheme)) {
      return conditionalPut(fs, target, bytes, beforePublish);
    }
    return renameIfAbsent(fs, target, bytes, beforePublish);
  }

  private static Outcome local(FileSystem fs, Path target, byte[] bytes, Runnable beforePublish)
      throws IOException {
    java.nio.file.Path file = java.nio.file.Path.of(fs.makeQualified(target).toUri());
    java.nio.file.Path tmp =
        file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    Files.createDirectories(file.getParent());
    try {
      Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try (java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      beforePublish.run();
      try {
        Files.createLink(file, tmp);
        return Outcome.CREATED;
      } catch (FileAlreadyExistsException e) {
        return Outcome.EXISTS;
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * One PUT with {@code If-None-Match: *}, sent by S3A when the object is closed (with this option
   * S3A makes no HEAD or LIST probe first). The store refuses it with 412 if the key exists, which
   * S3A raises as {@code RemoteFileChangedException} ("... Status Code: 412 ...
   * :PreconditionFailed") from {@code close()}.
   */
  private static Outcome conditionalPut(
      FileSystem fs, Path target, byte[] bytes, Runnable beforePublish) throws IOException {
    if (!fs.hasPathCapability(target, S3A_CONDITIONAL)) {
      throw new IOException(
          "cannot create "
              + target
              + " exclusively: this S3A file system does not offer conditional creation ("
              + S3A_CONDITIONAL
              + "), which shardscore's commit on s3a: needs. Use hadoop-aws 3.4.2 or later and"
              + " leave fs.s3a.create.conditional.enabled at true (the default), on a store that"
              + " honours If-None-Match: * (see docs/commit-protocol.md)");
    }
    if (fs.exists(target)) {
      return Outcome.EXISTS;
    }
    beforePublish.run();
    try {
      FSDataOutputStream out =
          (FSDataOutputStream)
              fs.createFile(target).overwrite(false).must(S3A_CONDITIONAL, true).build();
      try (OutputStream o = out) {
        o.write(bytes);
      }
      return Outcome.CREATED;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return Outcome.EXISTS;
    } catch (IOException e) {
      if (!preconditionFailed(e)) {
        throw e;
      }
      // The key exists. S3A retries a PUT whose answer it did not get (a 503, a timeout) with the
      // same condition, so the object may be this PUT itself, stored by an earlier try.
      return holdsExactly(fs, target, bytes, e) ? Outcome.CREATED : Outcome.EXISTS;
    }
  }

  /**
   * Whether {@code target} holds exactly {@code bytes}: after a 412, this writer's own earlier try
   * (callers write bytes unique to the writer, such as an attempt id). Throws when it cannot tell.
   */
  private static boolean holdsExactly(FileSystem fs, Path target, byte[] bytes, IOException refusal)
      throws IOException {
    try (InputStream in = fs.open(target)) {
      return Arrays.equals(in.readNBytes(bytes.length + 1), bytes);
    } catch (IOException e) {
      IOException unknown =
          new IOException(
              "the store refused to create "
                  + target
                  + " because it exists (412 Precondition Failed), and reading it back to tell"
                  + " whether it holds this writer's own earlier try failed: the outcome is"
                  + " unknown",
              e);
      unknown.addSuppressed(refusal);
      throw unknown;
    }
  }

  /**
   * S3 answers a conditional PUT on an existing object with 412 Precondition Failed (the AWS SDK's
   * message names "Status Code: 412"; S3A appends the error code "PreconditionFailed"). A bare
   * "412" is not enough: it may be part of the path (v0000000412.json) or of a request id.
   */
  private static boolean preconditionFailed(Throwable e) {
    for (Throwable t : Causes.chain(e)) {
      String m = String.valueOf(t.getMessage());
      if (t instanceof org.apache.hadoop.fs.FileAlreadyExistsException
          || m.contains("Status Code: 412")
          || m.contains("PreconditionFailed")
          || m.contains("Precondition Failed")) {
        return true;
      }
    }
    return false;
  }

  private static Outcome renameIfAbsent(
      FileSystem fs, Path target, byte[] bytes, Runnable beforePublish) throws IOException {
    Path tmp =
        new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (OutputStream out = fs.create(tmp, false)) {
        out.write(bytes);
      }
      beforePublish.run();
      if (fs.rename(tmp, target)) {
        return Outcome.CREATED;
      }
      if (fs.exists(target)) {
        return Outcome.EXISTS;
      }
      throw new IOException("could not rename " + tmp + " to " + target);
    } finally {
      fs.delete(tmp, false);
    }
  }
}

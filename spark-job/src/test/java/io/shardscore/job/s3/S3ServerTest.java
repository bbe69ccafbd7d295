package io.shardscore.job.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.s3a.RemoteFileChangedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test store honours {@code If-None-Match: *} as AWS S3 does, on a PUT and on a multipart
 * completion, and S3A (3.4.2) sends it for {@code createFile(...).must(
 * "fs.option.create.conditional.overwrite", true)}: a conditional write of an existing key fails
 * with 412, which S3A raises as {@link RemoteFileChangedException}, and the object is untouched.
 */
class S3ServerTest {
  private static final String CONDITIONAL = "fs.option.create.conditional.overwrite";
  @TempDir Path dir;

  @Test
  void aConditionalPutOfAnExistingKeyIsRefusedWith412() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      FileSystem fs = bucket(s3, "server-put");
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path("s3a://server-put/a.json");
      write(fs, p, "first", false);
      // Refused by S3Proxy's own existence check, before the store.
      assertRefused(assertThrows(IOException.class, () -> write(fs, p, "second", false)));
      assertEquals(List.of(S3Server.Write.STORED_IF_ABSENT), s3.writes("server-put", "a.json"));
      assertHolds(fs, p, "first");

      // A rival gets in after S3Proxy's check: the store itself must refuse.
      org.apache.hadoop.fs.Path q = new org.apache.hadoop.fs.Path("s3a://server-put/b.json");
      s3.rivalCreatesFirst("server-put", "b.json", bytes("rival"));
      assertRefused(assertThrows(IOException.class, () -> write(fs, q, "mine", false)));
      assertEquals(
          List.of(S3Server.Write.STORED, S3Server.Write.REFUSED_EXISTS),
          s3.writes("server-put", "b.json"));
      assertHolds(fs, q, "rival");
    }
  }

  @Test
  void aConditionalMultipartCompletionOfAnExistingKeyIsRefusedWith412() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      FileSystem fs = bucket(s3, "server-multipart");
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path("s3a://server-multipart/m.json");
      write(fs, p, "first", true);

      IOException e = assertThrows(IOException.class, () -> write(fs, p, "second", true));
      assertRefused(e);
      assertEquals(
          List.of(S3Server.Write.STORED_IF_ABSENT, S3Server.Write.REFUSED_EXISTS),
          s3.writes("server-multipart", "m.json"));
      assertHolds(fs, p, "first");
    }
  }

  @Test
  void anUnconditionalPutStillReplaces() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      FileSystem fs = bucket(s3, "server-plain");
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path("s3a://server-plain/a.json");
      write(fs, p, "first", false);
      try (OutputStream out = fs.create(p, true)) {
        out.write(bytes("second"));
      }
      assertEquals(
          List.of(S3Server.Write.STORED_IF_ABSENT, S3Server.Write.STORED),
          s3.writes("server-plain", "a.json"));
      assertHolds(fs, p, "second");
    }
  }

  private static void write(
      FileSystem fs, org.apache.hadoop.fs.Path p, String text, boolean multipart)
      throws IOException {
    FSDataOutputStream out =
        (FSDataOutputStream)
            fs.createFile(p)
                .overwrite(false)
                .must(CONDITIONAL, true)
                .must("fs.s3a.create.multipart", multipart)
                .build();
    try (OutputStream o = out) {
      o.write(bytes(text));
    }
  }

  /** S3A's translation of a 412 answer. */
  private static void assertRefused(IOException e) {
    assertEquals(RemoteFileChangedException.class, e.getClass(), String.valueOf(e));
    assertTrue(e.getMessage().contains("Status Code: 412"), e.getMessage());
    assertTrue(e.getMessage().contains("PreconditionFailed"), e.getMessage());
  }

  private static void assertHolds(FileSystem fs, org.apache.hadoop.fs.Path p, String text)
      throws IOException {
    try (InputStream in = fs.open(p)) {
      assertArrayEquals(bytes(text), in.readAllBytes());
    }
  }

  private static FileSystem bucket(S3Server s3, String bucket) throws Exception {
    s3.createBucket(bucket);
    Configuration conf = new Configuration();
    s3.configure(conf, bucket);
    return new org.apache.hadoop.fs.Path("s3a://" + bucket + "/").getFileSystem(conf);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}

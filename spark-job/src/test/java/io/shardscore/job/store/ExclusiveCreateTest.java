package io.shardscore.job.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.s3.S3Server;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit point: of many writers creating one name at the same moment, exactly one succeeds and
 * the file holds exactly its bytes — on the local file system and on an S3 server (S3Proxy, with
 * {@code If-None-Match: *} honoured atomically as AWS S3 does).
 */
class ExclusiveCreateTest {
  private static final int WRITERS = 8;
  @TempDir Path dir;

  @Test
  void exactlyOneOfManyLocalWritersCreatesTheFile() throws Exception {
    Configuration conf = new Configuration();
    FileSystem fs = FileSystem.getLocal(conf);
    org.apache.hadoop.fs.Path target =
        new org.apache.hadoop.fs.Path(dir.resolve("v0000000001.json").toUri());
    race(fs, target, 20, t -> {});
  }

  @Test
  void exactlyOneOfManyS3WritersCreatesTheObject() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      FileSystem fs = bucket(s3, "commit");
      race(
          fs,
          new org.apache.hadoop.fs.Path("s3a://commit/out/v0000000001.json"),
          5,
          target -> {
            List<S3Server.Write> writes = s3.writes("commit", key(target));
            // Only the winner's PUT was stored, and it carried If-None-Match: * (a PUT without it
            // would show as STORED); the losers were refused by S3Proxy's own check or, when
            // they got past it together, by the store (REFUSED_EXISTS).
            assertEquals(
                1,
                writes.stream().filter(w -> w != S3Server.Write.REFUSED_EXISTS).count(),
                "one write of " + target + " stored: " + writes);
            assertTrue(
                writes.contains(S3Server.Write.STORED_IF_ABSENT),
                "the stored PUT of " + target + " was conditional: " + writes);
          });
    }
  }

  /**
   * Two conditional PUTs can both pass S3Proxy's own existence check; the store must refuse the one
   * that finds the key created in between, which S3A raises as a 412.
   */
  @Test
  void anS3WriterThatLosesAfterTheExistenceCheckGetsExists() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      FileSystem fs = bucket(s3, "exclusive-window");
      org.apache.hadoop.fs.Path target =
          new org.apache.hadoop.fs.Path("s3a://exclusive-window/v.json");
      byte[] rival = "rival".getBytes(StandardCharsets.UTF_8);
      s3.rivalCreatesFirst("exclusive-window", "v.json", rival);

      assertEquals(
          ExclusiveCreate.Outcome.EXISTS,
          ExclusiveCreate.create(fs, target, "mine".getBytes(StandardCharsets.UTF_8), () -> {}));
      assertEquals(
          List.of(S3Server.Write.STORED, S3Server.Write.REFUSED_EXISTS),
          s3.writes("exclusive-window", "v.json"));
      try (InputStream in = fs.open(target)) {
        assertArrayEquals(rival, in.readAllBytes(), "the rival's object is untouched");
      }
    }
  }

  /**
   * A PUT that the store stored but whose answer was lost is retried by S3A with the same condition
   * and refused (412, the object exists, here by S3Proxy's own check): it is this writer's own
   * object, so CREATED, not EXISTS.
   */
  @Test
  void anS3WriterWhoseStoredPutIsRetriedStillCreated() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      FileSystem fs = bucket(s3, "exclusive-retry");
      org.apache.hadoop.fs.Path target =
          new org.apache.hadoop.fs.Path("s3a://exclusive-retry/v.json");
      byte[] mine = "mine".getBytes(StandardCharsets.UTF_8);
      s3.loseAnswerToPut(k -> k.equals("v.json"), 1);

      assertEquals(
          ExclusiveCreate.Outcome.CREATED, ExclusiveCreate.create(fs, target, mine, () -> {}));
      assertEquals(1, s3.refusedPuts(), "the answer to the first try was lost");
      assertEquals(
          List.of(S3Server.Write.STORED_IF_ABSENT),
          s3.writes("exclusive-retry", "v.json"),
          "the first try was stored, and only it");
      try (InputStream in = fs.open(target)) {
        assertArrayEquals(mine, in.readAllBytes());
      }
    }
  }

  /**
   * A PUT that keeps failing has an unknown outcome (IOException), not EXISTS, even where the name
   * contains "412" as manifest version 412 does.
   */
  @Test
  void anS3FailureOfVersion412IsUnknownNotExists() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      FileSystem fs = bucket(s3, "exclusive-unknown");
      org.apache.hadoop.fs.Path target =
          new org.apache.hadoop.fs.Path("s3a://exclusive-unknown/v0000000412.json");
      s3.failPuts(k -> k.equals("v0000000412.json"), 1, Integer.MAX_VALUE);

      java.io.IOException e =
          assertThrows(
              java.io.IOException.class,
              () -> ExclusiveCreate.create(fs, target, new byte[] {1}, () -> {}));
      assertTrue(e.getMessage().contains("503"), e.getMessage());
      assertEquals(List.of(), s3.writes("exclusive-unknown", "v0000000412.json"));
    }
  }

  /** Without conditional creation S3A could not create exclusively: say so, change nothing. */
  @Test
  void s3WithConditionalCreationDisabledFailsClearly() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      s3.createBucket("exclusive-off");
      Configuration conf = new Configuration();
      s3.configure(conf, "exclusive-off");
      conf.setBoolean("fs.s3a.bucket.exclusive-off.create.conditional.enabled", false);
      FileSystem fs = new org.apache.hadoop.fs.Path("s3a://exclusive-off/").getFileSystem(conf);
      org.apache.hadoop.fs.Path target =
          new org.apache.hadoop.fs.Path("s3a://exclusive-off/v.json");

      java.io.IOException e =
          assertThrows(
              java.io.IOException.class,
              () -> ExclusiveCreate.create(fs, target, new byte[] {1}, () -> {}));
      assertTrue(e.getMessage().contains("fs.s3a.create.conditional.enabled"), e.getMessage());
      assertEquals(List.of(), s3.writes("exclusive-off", "v.json"));
    }
  }

  private static FileSystem bucket(S3Server s3, String bucket) throws Exception {
    s3.createBucket(bucket);
    Configuration conf = new Configuration();
    s3.configure(conf, bucket);
    return new org.apache.hadoop.fs.Path("s3a://" + bucket + "/").getFileSystem(conf);
  }

  private static String key(org.apache.hadoop.fs.Path target) {
    return target.toUri().getPath().substring(1);
  }

  /**
   * {@code rounds} times, {@link #WRITERS} threads released together create one new name; then
   * {@code check} looks at the store's side of that round.
   */
  private static void race(
      FileSystem fs,
      org.apache.hadoop.fs.Path base,
      int rounds,
      Consumer<org.apache.hadoop.fs.Path> check)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      for (int round = 0; round < rounds; round++) {
        org.apache.hadoop.fs.Path target = base.suffix("." + round);
        CyclicBarrier start = new CyclicBarrier(WRITERS);
        List<Future<ExclusiveCreate.Outcome>> outcomes = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          byte[] bytes = ("writer " + w).getBytes(StandardCharsets.UTF_8);
          outcomes.add(
              pool.submit(
                  () ->
                      ExclusiveCreate.create(
                          fs,
                          target,
                          bytes,
                          () -> {
                            try {
                              start.await(60, TimeUnit.SECONDS);
                            } catch (Exception e) {
                              throw new IllegalStateException(e);
                            }
                          })));
        }
        int created = 0;
        int winner = -1;
        for (int w = 0; w < WRITERS; w++) {
          if (outcomes.get(w).get(120, TimeUnit.SECONDS) == ExclusiveCreate.Outcome.CREATED) {
            created++;
            winner = w;
          }
        }
        assertEquals(1, created, "round " + round + ": exactly one writer creates " + target);
        try (InputStream in = fs.open(target)) {
          assertArrayEquals(
              ("writer " + winner).getBytes(StandardCharsets.UTF_8),
              in.readAllBytes(),
              "the file holds the winner's bytes");
        }
        check.accept(target);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}

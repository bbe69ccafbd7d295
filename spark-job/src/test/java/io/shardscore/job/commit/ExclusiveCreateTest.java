package io.shardscore.job.commit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit point: of many writers creating one name at the same moment, exactly one succeeds and
 * the file holds exactly its bytes — on the local file system and on an S3 server (S3Proxy).
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
    race(fs, target, 20);
  }

  @Test
  void exactlyOneOfManyS3WritersCreatesTheObject() throws Exception {
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      s3.createBucket("commit");
      Configuration conf = new Configuration();
      s3.configure(conf, "commit");
      FileSystem fs = new org.apache.hadoop.fs.Path("s3a://commit/").getFileSystem(conf);
      race(fs, new org.apache.hadoop.fs.Path("s3a://commit/out/v0000000001.json"), 5);
    }
  }

  /** {@code rounds} times, {@link #WRITERS} threads released together create one new name. */
  private static void race(FileSystem fs, org.apache.hadoop.fs.Path base, int rounds)
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
      }
    } finally {
      pool.shutdownNow();
    }
  }
}

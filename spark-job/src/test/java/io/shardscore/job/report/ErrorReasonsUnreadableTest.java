package io.shardscore.job.report;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import io.shardscore.job.result.ScoreResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The error reasons are read after the commit: when the Spark aggregation cannot read the committed
 * error files, the failure is an IOException, which the report writer logs (it never fails the
 * committed run), not Spark's checked SparkException, which escaped its catch.
 */
class ErrorReasonsUnreadableTest {
  @TempDir Path dir;

  @Test
  void anUnreadableErrorFileIsAnIoExceptionAlsoWhenSparkAddsTheReasonsUp() throws Exception {
    Path input = SparkTestSession.customers(dir, 3_000);
    Path model = SparkTestSession.model(dir);
    Path out = dir.resolve("scores");
    ScoreResult result =
        Shardscore.job(
                SparkTestSession.get(), SparkTestSession.job(input, model, out, "0-2999", ""))
            .execute();
    assertTrue(result.rowsRejected() > 0, "the demo data has unscorable rows");
    FileSystem fs = FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(result.output());
    Manifest m = new ManifestStore(fs, root).current().orElseThrow();
    for (Manifest.ShardEntry shard : m.shards()) {
      for (Manifest.FileEntry f : shard.errorFiles()) {
        Files.writeString(out.resolve(f.path()), "not parquet", StandardCharsets.UTF_8);
      }
    }
    assertThrows(IOException.class, () -> ErrorReasons.of(fs, root, result, m, "customer_id", 0));
  }
}

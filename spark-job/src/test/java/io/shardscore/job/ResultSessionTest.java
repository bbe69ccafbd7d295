package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.shardscore.job.result.ScoreResult;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ScoreResult.dataset()} / {@code errors()} read the committed output with the session the
 * job ran on, not {@code SparkSession.active()}: a job run on {@code spark.newSession()} with its
 * own {@code fs.s3a.*} credentials reads its result with them ({@code SessionHadoopConf} honours
 * that session for the job's own reads and writes too).
 */
class ResultSessionTest {
  @TempDir static Path dir;

  @Test
  void theResultReadsWithTheSessionTheJobRanOn() {
    SparkSession shared = SparkTestSession.get();
    SparkSession own = shared.newSession();
    Path input = SparkTestSession.customers(dir, 1_000);
    Path model = SparkTestSession.model(dir);
    ScoreResult r =
        Shardscore.job(own, SparkTestSession.job(input, model, dir.resolve("out"), "0-999", ""))
            .execute();
    assertEquals(1_000, r.rowsIn());
    assertSame(own, r.dataset().sparkSession(), "dataset() reads with the job's session");
    assertSame(own, r.errors().sparkSession(), "errors() reads with the job's session");
  }
}

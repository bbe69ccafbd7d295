package io.shardscore.job.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.OutputConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.result.ScoreResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output committed under fingerprint scheme 1 (manifests written before schemes were recorded,
 * whose array rows hashed element by element): its fingerprints say nothing about today's hashes,
 * so the next incremental run scores every shard once, saying why, instead of trusting them (the
 * metadata fast path included), and records scheme-2 fingerprints that later runs match.
 */
class FingerprintSchemeTest {
  @TempDir Path dir;

  /** Rewrites every committed manifest as scheme 1 wrote it: {@code <rows>:<hex>} fingerprints. */
  private static void asSchemeOne(Path out) throws Exception {
    try (Stream<Path> files = Files.walk(out.resolve("_shardscore"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        String json = Files.readString(f, StandardCharsets.UTF_8);
        Files.writeString(f, json.replace("\"s2:", "\""), StandardCharsets.UTF_8);
      }
    }
  }

  @Test
  void shardsCommittedUnderSchemeOneAreScoredOnceThenKept() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path model = SparkTestSession.model(dir);
    Path input = dir.resolve("in");
    // DemoData has a 6-float array feature, hashed in bulk since scheme 2.
    DemoData.frame(spark, 4000, 2, false).write().parquet(input.toString());
    Path out = dir.resolve("out");
    JobConfig job =
        SparkTestSession.job(input, model, out, "0-1999,2000-3999", "")
            .withOutput(new OutputConfig(out.toString(), "incremental"));
    Shardscore.job(spark, job).execute();
    asSchemeOne(out);
    Manifest old = Shardscore.manifest(spark, out.toString()).orElseThrow();
    old.shards().forEach(s -> assertEquals(1, ShardFingerprint.decode(s.fingerprint()).scheme()));

    ChangePlan plan = Shardscore.job(spark, job).plan();
    for (ShardChange c : plan.changes()) {
      assertEquals(ShardChange.Status.CHANGED, c.status(), c.toString());
      assertTrue(
          c.reason().startsWith("fingerprint scheme changed (committed under scheme 1"),
          c.reason());
    }
    // Scoring checks that the tasks' fingerprints equal the census's (driver-side) ones.
    ScoreResult rescored = Shardscore.job(spark, job).execute();
    assertEquals(4000, rescored.rowsIn());
    Manifest now = Shardscore.manifest(spark, out.toString()).orElseThrow();
    now.shards().forEach(s -> assertTrue(s.fingerprint().startsWith("s2:"), s.fingerprint()));

    ChangePlan after = Shardscore.job(spark, job).plan();
    List<ShardChange.Status> statuses = after.changes().stream().map(ShardChange::status).toList();
    assertTrue(
        statuses.stream().allMatch(s -> s == ShardChange.Status.UNCHANGED), statuses.toString());
  }
}

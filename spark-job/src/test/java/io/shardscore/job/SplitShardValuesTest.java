package io.shardscore.job;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Split shards (rows spread by a hash of the row) with column types and values that are odd. */
class SplitShardValuesTest {
  @TempDir static Path dir;
  static Path model;
  static SparkSession spark;

  @BeforeAll
  static void setUp() throws IOException {
    spark = SparkTestSession.get();
    model = dir.resolve("tiny.onnx");
    OnnxMlpWriter.write(Mlp.seeded(3, 2, 4, 2), model);
  }

  private static ScoreResult score(Dataset<Row> frame, Path out, List<String> passthrough) {
    return Shardscore.job(spark)
        .input(frame)
        .shardByRanges("k", "0-0,1-2")
        .maxRowsPerPartition(400)
        .model(model.toString(), List.of("a", "b"))
        .passthrough(passthrough)
        .maxErrorFraction(0.5)
        .output(out.toString())
        .execute();
  }

  /** A map inside a struct or an array: Spark cannot hash it either, so it is left out too. */
  @Test
  void aShardIsSplitWhenAPassthroughColumnHoldsAMapInsideAStructOrAnArray() {
    Dataset<Row> frame =
        spark
            .range(3000)
            .select(
                col("id").mod(3).as("k"),
                col("id").cast("double").as("a"),
                col("id").mod(7).cast("double").as("b"),
                struct(map(lit("x"), col("id")).as("m")).as("nested"),
                array(map(lit("x"), col("id"))).as("maps"),
                col("id"));
    Path out = dir.resolve("nested-maps");
    ScoreResult r = score(frame, out, List.of("id", "nested", "maps"));
    assertEquals(3000, r.rowsIn());
    assertEquals(3000, r.rowsScored() + r.rowsRejected());
    Dataset<Row> written = Shardscore.read(spark, out.toString());
    assertEquals(r.rowsScored(), written.select("id").distinct().count());
    assertEquals(r.rowsScored(), written.count());
  }

  /**
   * A hot shard whose rows are identical but for a map (left out of the hash), NaN, -0.0 and null
   * features: every row is scored or rejected once, and a rerun with nothing changed scores none.
   */
  @Test
  void identicalRowsOddFloatsAndMapOnlyDifferencesAreEachScoredOnce() {
    Dataset<Row> frame =
        spark
            .range(3000)
            .select(
                when(col("id").lt(2500), lit(1L)).otherwise(col("id").mod(3)).as("k"),
                when(col("id").mod(5).equalTo(0), lit(Double.NaN))
                    .when(col("id").mod(5).equalTo(1), lit(-0.0))
                    .when(col("id").mod(5).equalTo(2), lit(null).cast("double"))
                    .otherwise(lit(0.0))
                    .as("a"),
                lit(1.0).as("b"),
                map(lit("x"), col("id")).as("m"));
    Path out = dir.resolve("odd-values");
    ScoreResult r = score(frame, out, List.of("m"));
    assertEquals(3000, r.rowsIn());
    assertEquals(3000, r.rowsScored() + r.rowsRejected());
    long written = Shardscore.read(spark, out.toString()).count();
    long errors = Shardscore.readErrors(spark, out.toString()).count();
    assertEquals(r.rowsScored(), written);
    assertEquals(r.rowsRejected(), errors);
    ScoreResult again =
        Shardscore.job(spark)
            .input(frame)
            .shardByRanges("k", "0-0,1-2")
            .maxRowsPerPartition(400)
            .model(model.toString(), List.of("a", "b"))
            .passthrough(List.of("m"))
            .maxErrorFraction(0.5)
            .output(out.toString())
            .mode(OutputMode.INCREMENTAL)
            .execute();
    assertEquals(0, again.rowsProcessed(), "nothing changed: nothing scored again");
  }

  /** A non-deterministic feature: the run is correct (each row once) or refused, never dup/lost. */
  @Test
  void aNonDeterministicColumnNeverDuplicatesOrLosesRows() {
    Dataset<Row> frame =
        spark
            .range(3000)
            .select(col("id").mod(3).as("k"), rand(7).as("a"), lit(1.0).as("b"), col("id"));
    Path out = dir.resolve("nondeterministic");
    ScoreResult r = score(frame, out, List.of("id"));
    assertEquals(3000, r.rowsIn());
    assertEquals(3000, r.rowsScored() + r.rowsRejected());
    Dataset<Row> written = Shardscore.read(spark, out.toString());
    assertEquals(r.rowsScored(), written.count());
    assertEquals(r.rowsScored(), written.select("id").distinct().count());
  }
}

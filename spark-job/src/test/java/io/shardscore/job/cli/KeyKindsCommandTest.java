package io.shardscore.job.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.SparkTestSession;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code validate} and {@code plan} with string, date and decimal keys. */
class KeyKindsCommandTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;

  @BeforeAll
  static void data() throws Exception {
    input = dir.resolve("events");
    SparkTestSession.get()
        .range(0, 600, 1, 2)
        .select(
            col("id"),
            col("id").mod(7).cast(DataTypes.DoubleType).as("a"),
            col("id").mod(5).cast(DataTypes.IntegerType).as("b"),
            functions
                .element_at(
                    functions.array(lit("DE"), lit("FR"), lit("US"), lit("BR"), lit("JP")),
                    col("id").mod(5).plus(1).cast(DataTypes.IntegerType))
                .as("region"),
            functions
                .date_add(
                    lit("2026-01-01").cast(DataTypes.DateType),
                    col("id").mod(120).cast(DataTypes.IntegerType))
                .as("day"),
            col("id").divide(10).cast(DataTypes.createDecimalType(10, 2)).as("amount"))
        .write()
        .parquet(input.toString());
    model = dir.resolve("tiny.onnx");
    OnnxMlpWriter.write(Mlp.seeded(3, 2, 4, 2), model);
  }

  private static Path job(String name, String key, String sharding) throws Exception {
    return Files.writeString(
        dir.resolve(name + ".yaml"),
        "input:\n  path: "
            + input
            + "\noutput:\n  path: "
            + dir.resolve(name)
            + "\nsharding:\n  key: "
            + key
            + "\n"
            + sharding
            + "model:\n  path: "
            + model
            + "\n  features: [a, b]\n");
  }

  private static String plan(String name, String key, String sharding) throws Exception {
    Path file = job(name, key, sharding);
    assertEquals(0, CliRunner.run("validate", "--config", file.toString()).exit(), name);
    CliRunner.Run plan = CliRunner.run("plan", "--config", file.toString());
    assertEquals(0, plan.exit(), plan.err());
    System.out.println("plan of " + name + ":\n" + plan.out());
    return plan.out();
  }

  @Test
  void planShowsTheShardsOfEachKeyKind() throws Exception {
    String values =
        plan(
            "values", "region", "  values: {emea: [DE, FR], amer: [US, BR]}\n  unmatched: shard\n");
    assertTrue(values.contains("values \"DE\", \"FR\""), values);
    assertTrue(values.contains("values \"US\", \"BR\""), values);
    assertTrue(values.contains("keys listed in no shard"), values);

    String text = plan("text", "region", "  ranges: ['\"A\"..\"E\"', '\"F\"..\"Z\"']\n");
    assertTrue(text.contains("A..E") && text.contains("\"A\"..\"E\""), text);

    String dates =
        plan("dates", "day", "  ranges: ['2026-01-01..2026-02-28', '2026-03-01..2026-04-30']\n");
    assertTrue(dates.contains("2026-01-01..2026-02-28"), dates);

    String quantiles = plan("amounts", "amount", "  quantiles: 2\n");
    assertTrue(quantiles.contains("MIN..") && quantiles.contains("..MAX"), quantiles);

    String hash = plan("hash", "region", "  hash-buckets: 2\n");
    assertTrue(hash.contains("bucket 1 of 2"), hash);
  }

  @Test
  void validateNamesAValueListedInTwoShards() throws Exception {
    Path file = job("dup", "region", "  values: {emea: [DE, FR], amer: [US, FR]}\n");
    CliRunner.Run run = CliRunner.run("validate", "--config", file.toString());
    assertEquals(ExitCode.INVALID, run.exit());
    assertTrue(run.err().contains("Value 'FR' is listed in shards 'emea' and 'amer'"), run.err());
    assertFalse(Files.exists(dir.resolve("dup")));
  }
}

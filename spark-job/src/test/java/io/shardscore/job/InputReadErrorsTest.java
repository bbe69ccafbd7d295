package io.shardscore.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files whose column types differ from the schema they are read with, where no footer check can see
 * it (a Dataset input read with its own schema): an input error naming the file, the column and
 * both types, whether Spark fails while counting (the key) or while scoring (a feature); nothing
 * committed, and no "rerun" for an error no rerun can fix.
 */
class InputReadErrorsTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static Path customers;

  @BeforeAll
  static void data() {
    spark = SparkTestSession.get();
    customers = SparkTestSession.customers(dir, 2_000);
    model = SparkTestSession.model(dir);
  }

  /** {@code column} as int in keys below 1000, as bigint in the others, in two folders. */
  private static Path mixed(String name, String column) {
    Path folder = dir.resolve(name);
    Dataset<Row> rows = spark.read().parquet(customers.toString());
    rows.filter(col("customer_id").lt(1000))
        .withColumn(column, col(column).cast(DataTypes.IntegerType))
        .write()
        .parquet(folder.resolve("a").toString());
    rows.filter(col("customer_id").geq(1000))
        .withColumn(column, col(column).cast(DataTypes.LongType))
        .write()
        .parquet(folder.resolve("b").toString());
    return folder;
  }

  /** Both folders read as one Dataset with the schema of the int one. */
  private static Dataset<Row> readAsInt(Path folder) {
    StructType schema = spark.read().parquet(folder.resolve("a").toString()).schema();
    return spark
        .read()
        .schema(schema)
        .parquet(folder.resolve("a").toString(), folder.resolve("b").toString());
  }

  private static ShardscoreException refused(Dataset<Row> frame, Path out) {
    return assertThrows(
        ShardscoreException.class,
        () ->
            Shardscore.job(spark)
                .input(frame)
                .shardByRanges("customer_id", "0-999,1000-1999")
                .model(model.toString(), DemoData.FEATURES)
                .output(out.toString())
                .execute());
  }

  @Test
  void aFeatureOfAnotherTypeInOneFileFailsScoringAsAnInputError() {
    Path out = dir.resolve("feature-out");
    ShardscoreException e = refused(readAsInt(mixed("feature", "age")), out);
    assertEquals(ErrorKind.INPUT, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("Spark could not read the file"), e.getMessage());
    assertTrue(e.getMessage().contains("/feature/b/"), e.getMessage());
    assertTrue(e.getMessage().contains("its column [age] has Parquet type INT64"), e.getMessage());
    assertTrue(e.getMessage().contains("INT64"), e.getMessage());
    assertFalse(e.getMessage().contains("rerun to"), e.getMessage());
    assertFalse(Files.exists(out.resolve("_shardscore/manifest.json")), "nothing committed");
  }

  @Test
  void aKeyOfAnotherTypeInOneFileFailsTheCountAsAnInputError() {
    Path out = dir.resolve("key-out");
    ShardscoreException e = refused(readAsInt(mixed("key", "customer_id")), out);
    assertEquals(ErrorKind.INPUT, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("/key/b/"), e.getMessage());
    assertTrue(e.getMessage().contains("its column [customer_id]"), e.getMessage());
    assertFalse(Files.exists(out.resolve("_shardscore/manifest.json")), "nothing committed");
  }
}

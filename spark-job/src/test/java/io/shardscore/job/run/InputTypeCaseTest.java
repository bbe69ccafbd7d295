package io.shardscore.job.run;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.SparkTestSession;
import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.error.ShardscoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark matches file columns to the read schema ignoring case (spark.sql.caseSensitive is false by
 * default), so {@code Amount int} in one file and {@code amount bigint} in another are one column
 * whose types conflict: the check must see it, whichever spelling the job file uses.
 */
class InputTypeCaseTest {
  @TempDir Path dir;

  @Test
  void columnsSpelledWithOtherCaseAreOneColumnToTheTypeCheck() throws IOException {
    SparkSession spark = SparkTestSession.get();
    Path input = Files.createDirectories(dir.resolve("in"));
    write(spark.range(0, 10).selectExpr("id", "cast(id as int) as Amount"), input, "a.parquet");
    write(spark.range(10, 20).selectExpr("id", "id as amount"), input, "b.parquet");
    InputSnapshot snapshot =
        InputSnapshot.take(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), "id");

    String m =
        assertThrows(
                ShardscoreException.class,
                () ->
                    InputTypes.requireOneTypePerColumn(
                        snapshot, c -> c.equalsIgnoreCase("amount"), "file:/in"))
            .getMessage();
    assertTrue(m.contains("int in a.parquet, bigint in b.parquet"), m);
  }

  private void write(Dataset<?> rows, Path folder, String name) throws IOException {
    Path tmp = dir.resolve("tmp-" + name);
    rows.coalesce(1).write().parquet(tmp.toString());
    try (Stream<Path> parts = Files.list(tmp)) {
      Files.move(
          parts.filter(p -> p.toString().endsWith(".parquet")).findFirst().get(),
          folder.resolve(name));
    }
  }
}

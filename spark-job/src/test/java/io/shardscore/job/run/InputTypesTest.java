package io.shardscore.job.run;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.SparkTestSession;
import io.shardscore.job.change.InputSnapshot;
import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Column types compared across an input's Parquet footers, on real files. */
class InputTypesTest {
  @TempDir static Path dir;
  static InputSnapshot snapshot;

  /** {@code a-*.parquet}: id bigint, age int, note string; {@code b-*}: age bigint, note int. */
  @BeforeAll
  static void files() throws IOException {
    SparkSession spark = SparkTestSession.get();
    Path input = Files.createDirectories(dir.resolve("in"));
    for (int i = 0; i < 3; i++) {
      write(
          spark
              .range(i * 10, i * 10 + 10)
              .selectExpr("id", "cast(id as int) as age", "'x' as note"),
          input.resolve("a-" + i + ".parquet"));
    }
    write(
        spark.range(100, 110).selectExpr("id", "id as age", "cast(id as int) as note"),
        input.resolve("b-0.parquet"));
    snapshot =
        InputSnapshot.take(new Configuration(), new org.apache.hadoop.fs.Path(input.toUri()), "id");
  }

  private static void write(org.apache.spark.sql.Dataset<?> rows, Path file) throws IOException {
    Path tmp = dir.resolve("tmp-" + file.getFileName());
    rows.coalesce(1).write().parquet(tmp.toString());
    try (Stream<Path> parts = Files.list(tmp)) {
      Files.move(parts.filter(p -> p.toString().endsWith(".parquet")).findFirst().get(), file);
    }
  }

  @Test
  void eachConflictNamesTheTypesTheirFilesAndTheCast() {
    ShardscoreException e =
        assertThrows(
            ShardscoreException.class,
            () -> InputTypes.requireOneTypePerColumn(snapshot, c -> true, "file:/in"));
    assertEquals(ErrorKind.INPUT, e.kind());
    String m = e.getMessage();
    assertTrue(
        m.contains("column 'age': int in a-0.parquet and 2 other files, bigint in b-0.parquet"), m);
    assertTrue(m.contains("column 'note': string in a-0.parquet and 2 other files, int in"), m);
    assertTrue(m.contains("CAST(age AS BIGINT)"), m);
    // Not numbers both: the type most files have.
    assertTrue(m.contains("CAST(note AS STRING)"), m);
    assertTrue(!m.contains("column 'id'"), m);
  }

  @Test
  void columnsTheRunDoesNotReadMayDisagree() {
    assertDoesNotThrow(
        () ->
            InputTypes.requireOneTypePerColumn(
                snapshot, c -> c.equals("id") || c.equals("score"), "file:/in"));
    String m =
        assertThrows(
                ShardscoreException.class,
                () -> InputTypes.requireOneTypePerColumn(snapshot, c -> !c.equals("note"), "x"))
            .getMessage();
    assertTrue(m.contains("'age'") && !m.contains("'note'"), m);
  }
}

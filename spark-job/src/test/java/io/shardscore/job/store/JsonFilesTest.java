package io.shardscore.job.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON files' format, exclusive creation and replacement through a rename. */
class JsonFilesTest {
  @TempDir java.nio.file.Path dir;

  record Entry(String name, long rows, List<String> files) {}

  private FileSystem fs() throws Exception {
    return FileSystem.getLocal(new Configuration());
  }

  private Path path(String name) {
    return new Path(dir.resolve(name).toUri());
  }

  @Test
  void filesAreIndentedJsonAndUnknownFieldsAreIgnoredWhenRead() throws Exception {
    Entry e = new Entry("0-999", 12, List.of("a.parquet"));
    String expected =
        "{\n"
            + "  \"name\" : \"0-999\",\n"
            + "  \"rows\" : 12,\n"
            + "  \"files\" : [ \"a.parquet\" ]\n"
            + "}";
    assertEquals(expected, new String(JsonFiles.bytes(e), StandardCharsets.UTF_8));
    assertEquals(expected, JsonFiles.text(e));

    Path newer = path("newer.json");
    Files.writeString(
        dir.resolve("newer.json"),
        "{\"name\": \"x\", \"rows\": 1, \"files\": [], \"addedLater\": true}");
    assertEquals(new Entry("x", 1, List.of()), JsonFiles.read(fs(), newer, Entry.class));
  }

  @Test
  void createIsExclusiveAndReplaceOverwritesThroughATemporaryFile() throws Exception {
    FileSystem fs = fs();
    Path target = path("v0000000001.json");
    Entry first = new Entry("first", 1, List.of());
    assertEquals(ExclusiveCreate.Outcome.CREATED, JsonFiles.create(fs, target, first, () -> {}));
    assertEquals(
        ExclusiveCreate.Outcome.EXISTS,
        JsonFiles.create(fs, target, new Entry("second", 2, List.of()), () -> {}));
    assertEquals(first, JsonFiles.read(fs, target, Entry.class));

    Path pointer = path("manifest.json");
    Path tmp = path(".manifest.json.tmp");
    assertTrue(JsonFiles.replace(fs, tmp, pointer, first));
    Entry second = new Entry("second", 2, List.of("b.parquet"));
    assertTrue(JsonFiles.replace(fs, tmp, pointer, second));
    assertEquals(second, JsonFiles.read(fs, pointer, Entry.class));
    assertFalse(fs.exists(tmp), "the temporary file was renamed");
  }
}

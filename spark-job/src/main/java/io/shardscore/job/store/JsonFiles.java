package io.shardscore.job.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The JSON files shardscore keeps next to an output (manifests, pending journals, task markers,
 * reports) and the JSON it prints: one Jackson configuration, indented, that ignores properties it
 * does not know when reading (a newer writer's fields do not break an older reader). A file is
 * either created exclusively, all or nothing ({@link #create}), or replaced through a temporary
 * file and a rename ({@link #replace}).
 */
public final class JsonFiles {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private JsonFiles() {}

  /** {@code value} as the bytes of a JSON file. */
  public static byte[] bytes(Object value) throws IOException {
    return JSON.writeValueAsBytes(value);
  }

  /** {@code value} as JSON text, e.g. to print. */
  public static String text(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /** Reads a value written by this class. */
  public static <T> T read(InputStream in, Class<T> type) throws IOException {
    return JSON.readValue(in, type);
  }

  /** Reads the JSON file {@code path}. */
  public static <T> T read(FileSystem fs, Path path, Class<T> type) throws IOException {
    try (InputStream in = fs.open(path)) {
      return JSON.readValue(in, type);
    }
  }

  /**
   * Creates {@code target} holding {@code value} unless it exists, atomically ({@link
   * ExclusiveCreate#create}); throws {@link IOException} when the outcome is unknown.
   */
  public static ExclusiveCreate.Outcome create(
      FileSystem fs, Path target, Object value, Runnable beforePublish) throws IOException {
    return ExclusiveCreate.create(fs, target, bytes(value), beforePublish);
  }

  /**
   * Replaces {@code target} with {@code value} through the temporary file {@code tmp} ({@link
   * ReplaceFile#replace}).
   *
   * @return false when the final rename failed; {@code tmp} is then still there
   */
  public static boolean replace(FileSystem fs, Path tmp, Path target, Object value)
      throws IOException {
    return ReplaceFile.replace(fs, tmp, target, bytes(value));
  }
}

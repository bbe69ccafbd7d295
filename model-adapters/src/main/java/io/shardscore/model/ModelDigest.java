package io.shardscore.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a model: the SHA-256 of its file's bytes, as lowercase hex. Two files with the
 * same bytes are the same model wherever they live; a changed byte is a new model.
 */
public final class ModelDigest {
  private ModelDigest() {}

  public static String of(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return of(in);
    } catch (IOException e) {
      throw new ModelLoadException(
          "Cannot read model file " + file + ": " + e.getMessage() + ". Check the path.", e);
    }
  }

  public static String of(InputStream in) throws IOException {
    MessageDigest sha = sha256();
    byte[] buf = new byte[1 << 16];
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      sha.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}

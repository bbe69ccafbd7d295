package io.shardscore.model;

import com.microsoft.ml.lightgbm.lightgbmlib;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads LightGBM's native libraries once per JVM from the {@code lightgbmlib} jar (which carries
 * them for Linux, macOS and Windows on x86-64, but does not load them itself): extracted into
 * {@code java.io.tmpdir/shardscore-lightgbm-<user>-<version>/}, written under a temporary name and
 * renamed into place, so concurrent JVMs on one host never load a half-written file.
 */
public final class LightGbmNatives {
  /** The LightGBM release of the bundled natives, and the binding's own version. */
  public static final String VERSION = "3.3.5 (lightgbmlib 3.3.510)";

  private static final String JAR_VERSION = "3.3.510";
  private static boolean loaded;

  private LightGbmNatives() {}

  /** Loads the natives if this JVM has not yet; the LightGBM API is usable once this returns. */
  public static synchronized void load() {
    if (loaded) {
      return;
    }
    String platform = platform();
    String suffix =
        platform.startsWith("windows") ? ".dll" : platform.startsWith("osx") ? ".dylib" : ".so";
    try {
      Path dir =
          Path.of(
              System.getProperty("java.io.tmpdir"),
              "shardscore-lightgbm-" + System.getProperty("user.name") + "-" + JAR_VERSION);
      Files.createDirectories(dir);
      // lib_lightgbm first: the SWIG glue links against it by name.
      for (String lib : new String[] {"lib_lightgbm", "lib_lightgbm_swig"}) {
        System.load(extract(platform + "/" + lib + suffix, dir.resolve(lib + suffix)).toString());
      }
    } catch (IOException | UnsatisfiedLinkError e) {
      throw new ModelLoadException(
          "Cannot load LightGBM's native libraries for "
              + platform
              + " from com.microsoft.ml.lightgbm:lightgbmlib "
              + JAR_VERSION
              + ": "
              + e.getMessage()
              + ". LightGBM needs libgomp (GNU OpenMP) on Linux; check that java.io.tmpdir is"
              + " writable.",
          e);
    }
    loaded = true;
  }

  private static String platform() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    if (!arch.equals("amd64") && !arch.equals("x86_64")) {
      throw new ModelLoadException(
          "LightGBM's published natives (lightgbmlib "
              + JAR_VERSION
              + ") are for x86-64 only; this JVM runs on "
              + arch
              + ". Convert the model to ONNX, or score on x86-64 executors.");
    }
    String name = os.contains("win") ? "windows" : os.contains("mac") ? "osx" : "linux";
    return name + "/x86_64";
  }

  private static Path extract(String resource, Path target) throws IOException {
    String path = "com/microsoft/ml/lightgbm/" + resource;
    try (InputStream in = lightgbmlib.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException(path + " is not on the classpath");
      }
      byte[] bytes = in.readAllBytes();
      if (Files.isRegularFile(target)
          && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
        return target; // another JVM on this host extracted the same library
      }
      Path part =
          Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
      try {
        Files.write(part, bytes);
        Files.move(
            part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(part);
      }
      return target;
    }
  }
}

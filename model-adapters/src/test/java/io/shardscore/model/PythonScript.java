package io.shardscore.model;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Runs a test resource script with Debian's {@code /usr/bin/python3} into an output folder. */
final class PythonScript {
  private PythonScript() {}

  /**
   * @param resource the script on the test class path, e.g. {@code /torch/make_torchscript.py}
   * @param debianPackage what to install when it fails, for the message
   */
  static void run(String resource, String debianPackage, Path dir)
      throws IOException, InterruptedException {
    Path script;
    try {
      script = Path.of(PythonScript.class.getResource(resource).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Process p =
        new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(
          script.getFileName()
              + " failed (install "
              + debianPackage
              + ": apt-get install -y "
              + debianPackage
              + "):\n"
              + output);
    }
  }
}

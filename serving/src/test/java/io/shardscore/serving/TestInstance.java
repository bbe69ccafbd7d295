package io.shardscore.serving;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * One serving instance in a JVM of its own, for tests that scale instances up and down: serves the
 * {@link TestModel} on a free 127.0.0.1 port, writes the port to a file once ready, and on SIGTERM
 * drains and stops as {@code shardscore serve} does.
 */
public final class TestInstance {
  private TestInstance() {}

  /**
   * {@code args}: a folder of its own, the file to write the port to, and optionally the request
   * time limit in seconds ({@link ScoringServer#limitRequestTime}).
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 2) {
      ScoringServer.limitRequestTime(java.time.Duration.ofSeconds(Long.parseLong(args[2])));
    }
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    TestModel model = new TestModel(dir);
    ScoringServer server = model.serve(model.queue(64, 1), TestModel.anyPort());
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "test-instance-drain"));
    Path port = Path.of(args[1]);
    Path tmp = port.resolveSibling(port.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(server.port()));
    Files.move(tmp, port, StandardCopyOption.ATOMIC_MOVE);
    Thread.currentThread().join();
  }
}

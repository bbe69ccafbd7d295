package io.shardscore.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code shardscore serve} refuses a flag value it cannot honour as a usage error naming the flag,
 * before reading the job file or starting anything (a negative {@code --drain-delay} used to start
 * the server and then throw in the SIGTERM hook, skipping the drain).
 */
class ServeFlagsTest {
  @TempDir Path dir;

  @Test
  void negativeDurationsAndNonPositiveLimitsAreUsageErrorsNamingTheFlag() {
    String[][] cases = {
      {"--drain-delay", "-1", "--drain-delay is -1 seconds; it must be at least 0."},
      {"--drain-timeout", "-5", "--drain-timeout is -5 seconds; it must be at least 0."},
      {"--request-timeout", "0", "--request-timeout is 0 seconds; it must be at least 1."},
      {"--threads", "0", "--threads must be positive"},
      {"--unready-after-failures", "0", "--unready-after-failures must be at least 1, not 0"},
    };
    for (String[] c : cases) {
      CommandLine cli = new CommandLine(new ShardscoreCommand());
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      int code =
          cli.execute("serve", "--config", dir.resolve("absent.yaml").toString(), c[0], c[1]);
      assertEquals(CommandLine.ExitCode.USAGE, code, c[0] + ": " + err);
      assertTrue(err.toString().contains(c[2]), c[0] + ": " + err);
    }
  }

  @Test
  void aModelThatDoesNotLoadExitsTwoBeforeListening() throws Exception {
    Path job = dir.resolve("job.yaml");
    java.nio.file.Files.writeString(
        job, "model:\n  path: " + dir.resolve("absent.onnx") + "\n  features: [a, b]\n");
    int code = ShardscoreCommand.execute("serve", "--config", job.toString(), "--port", "0");
    assertEquals(ExitCode.INVALID, code);
  }
}

package io.shardscore.job.cli;

import io.shardscore.job.ListenerEvents;
import io.shardscore.job.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;

/**
 * Runs the {@code shardscore} command line in this JVM with its output captured, and counts the
 * Spark jobs the shared test session starts.
 */
final class CliRunner {
  private static final AtomicInteger JOBS = new AtomicInteger();
  private static boolean listening;

  /** One command line run: exit code and what it printed. */
  record Run(int exit, String out, String err) {}

  private CliRunner() {}

  /**
   * Spark jobs started so far in the shared test session, counted once the listener bus has
   * delivered every event posted so far (a job that ran is never missed because its start event was
   * still queued).
   */
  static synchronized int jobs() {
    SparkContext sc = SparkTestSession.get().sparkContext();
    if (!listening) {
      sc.addSparkListener(
          new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
              JOBS.incrementAndGet();
            }
          });
      listening = true;
    }
    ListenerEvents.drain(sc);
    return JOBS.get();
  }

  static Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = ShardscoreCommand.execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }
}

package io.shardscore.job.cli;

import io.shardscore.job.ListenerEvents;
import io.shardscore.job.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;
import scala.jdk.javaapi.CollectionConverters;

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

  /**
   * Runs one command line. The command gets the shared session (its {@code getOrCreate}) and puts
   * the job's {@code spark:} section and {@code --conf} settings into it: they are put back as they
   * were afterwards, so that no command's settings (an S3 bucket's endpoint or credentials, say)
   * reach the tests after it.
   */
  static Run run(String... args) {
    SparkSession spark = SparkTestSession.get();
    Map<String, String> settings = settings(spark);
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
      restore(spark, settings);
    }
  }

  /** The session's own settings, as a command's settings change them. */
  private static Map<String, String> settings(SparkSession spark) {
    return new HashMap<>(CollectionConverters.asJava(spark.sessionState().conf().getAllConfs()));
  }

  private static void restore(SparkSession spark, Map<String, String> before) {
    SQLConf conf = spark.sessionState().conf();
    for (String key : settings(spark).keySet()) {
      if (!before.containsKey(key)) {
        conf.unsetConf(key);
      }
    }
    before.forEach(
        (key, value) -> {
          if (!value.equals(conf.getConfString(key, null))) {
            conf.setConfString(key, value);
          }
        });
  }
}

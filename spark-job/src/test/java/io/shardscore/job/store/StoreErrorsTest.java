package io.shardscore.job.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Storage failures as sentences, whatever the shape of their cause chain. */
class StoreErrorsTest {
  private static final Configuration CONF = new Configuration(false);

  @Test
  void theInnermostCauseIsNamedByItsFirstLine() {
    IOException e =
        new IOException("listing failed", new IOException("disk quota exceeded\n  at the server"));
    assertEquals(
        "input.path file:/data/x cannot be accessed: disk quota exceeded. Check access to it.",
        StoreErrors.explain("input.path", new Path("file:/data/x"), e, CONF));
  }

  @Test
  void aCauseWithoutAMessageIsNamedByItsClass() {
    IOException e = new IOException("listing failed", new IllegalStateException());
    assertEquals(
        "input.path file:/data/x cannot be accessed: java.lang.IllegalStateException. Check"
            + " access to it.",
        StoreErrors.explain("input.path", new Path("file:/data/x"), e, CONF));
  }

  @Test
  @Timeout(10)
  void aCycleInTheCauseChainEnds() {
    ConnectException inner = new ConnectException("Connection refused");
    IOException outer = new IOException("outer", new IOException("middle", inner));
    inner.initCause(outer);
    String s3 = StoreErrors.explain("output.path", new Path("s3a://b/out"), outer, CONF);
    assertTrue(
        s3.contains(
            "cannot reach the S3 store at the default AWS endpoint (Connection" + " refused)"),
        s3);
    assertEquals(
        "output.path file:/out cannot be accessed: Connection refused. Check access to it.",
        StoreErrors.explain("output.path", new Path("file:/out"), outer, CONF));
  }

  @Test
  void aConnectionFailureDeepInTheChainIsRecognised() {
    IOException e =
        new IOException("getFileStatus", new RuntimeException(new ConnectException("refused")));
    String s = StoreErrors.explain("input.path", new Path("s3a://bucket/in"), e, CONF);
    assertTrue(s.contains("cannot reach the S3 store at the default AWS endpoint (refused)"), s);
  }
}

package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.shardscore.model.FeatureBatch;
import io.shardscore.model.ModelLoadException;
import io.shardscore.model.ModelOutput;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readiness follows the model: an instance whose model calls keep failing turns {@code /readyz} to
 * 503 with the reason (so the load balancer stops sending it requests) and back to 200 once the
 * model answers again; {@code /healthz} answers while every scoring thread is held by the model; a
 * warm-up that fails leaves nothing behind.
 */
class ReadinessTest {
  @TempDir Path dir;

  /** The real queue, failing every call while {@link #broken} is set. */
  private static final class Breakable implements RowScorer {
    private final RowScorer model;
    volatile boolean broken;

    Breakable(RowScorer model) {
      this.model = model;
    }

    @Override
    public ModelOutput score(FeatureBatch batch) {
      if (broken) {
        throw new IllegalStateException("engine said no");
      }
      return model.score(batch);
    }
  }

  private static final String ONE_ROW = ScoringServerTest.rows(ScoringServerTest.row(1, 1, 2, 3));

  @Test
  void failingModelCallsTurnReadinessOffUntilTheModelAnswersAgain() throws Exception {
    TestModel model = new TestModel(dir);
    Breakable scorer = new Breakable(model.queue(8, 0));
    ScoringServer server = model.serve(scorer, TestModel.anyPort().withUnreadyAfterFailures(2));
    Http http = new Http(server.port());
    try {
      assertEquals(200, http.get("/readyz").status());
      scorer.broken = true;
      assertEquals(500, http.post("/v1/score", ONE_ROW).status());
      assertEquals(200, http.get("/readyz").status(), "one failure is not yet a failing model");
      assertEquals(500, http.post("/v1/score", ONE_ROW).status());

      Http.Reply unready = http.get("/readyz");
      assertEquals(503, unready.status(), unready.body());
      assertTrue(unready.body().startsWith("failing: the last "), unready.body());
      assertTrue(unready.body().contains("engine said no"), unready.body());
      assertFalse(server.ready());
      assertEquals(200, http.get("/healthz").status(), "failing, but alive");
      assertEquals(
          0, Metrics.value(http.get("/metrics").body(), "shardscore_serving_ready"), "metric");

      scorer.broken = false; // the model recovers; the next check's warm-up batch shows it
      Http.Reply back = http.get("/readyz");
      assertEquals(200, back.status(), back.body());
      assertEquals("ready\n", back.body());
      assertTrue(server.ready());
      assertEquals(200, http.post("/v1/score", ONE_ROW).status());
    } finally {
      server.stop();
      model.close();
    }
  }

  @Test
  void aSuccessfulCallBetweenFailuresKeepsTheInstanceReady() throws Exception {
    TestModel model = new TestModel(dir);
    Breakable scorer = new Breakable(model.queue(8, 0));
    ScoringServer server = model.serve(scorer, TestModel.anyPort().withUnreadyAfterFailures(2));
    Http http = new Http(server.port());
    try {
      scorer.broken = true;
      assertEquals(500, http.post("/v1/score", ONE_ROW).status());
      scorer.broken = false;
      assertEquals(200, http.post("/v1/score", ONE_ROW).status());
      scorer.broken = true;
      assertEquals(500, http.post("/v1/score", ONE_ROW).status());
      assertEquals(200, http.get("/readyz").status(), "failures in a row, not in all");
    } finally {
      server.stop();
      model.close();
    }
  }

  @Test
  void probesAnswerWhileEveryScoringThreadIsHeldByTheModel() throws Exception {
    TestModel model = new TestModel(dir);
    GatedScorer gated = new GatedScorer(model.queue(8, 0));
    ScoringServer server = model.serve(gated, TestModel.anyPort().withThreads(1));
    Http http = new Http(server.port());
    try {
      gated.shut();
      List<CompletableFuture<Http.Reply>> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        held.add(http.postAsync("/v1/score", ONE_ROW));
      }
      gated.awaitHeld(1); // the one scoring thread is in the model
      awaitInFlight(server, 3); // and the other two wait for it
      assertEquals(200, http.get("/healthz").status());
      assertEquals(200, http.get("/readyz").status(), "busy is not failing");
      assertEquals(3, Metrics.value(http.get("/metrics").body(), "shardscore_serving_in_flight"));
      gated.open();
      for (CompletableFuture<Http.Reply> r : held) {
        assertEquals(200, r.get().status());
      }
    } finally {
      gated.open();
      server.stop();
      model.close();
    }
  }

  @Test
  void aFailedWarmUpIsAModelErrorAndReleasesThePortAndThreads() throws Exception {
    TestModel model = new TestModel(dir);
    Breakable scorer = new Breakable(model.queue(8, 0));
    scorer.broken = true;
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try {
      ModelLoadException e =
          assertThrows(
              ModelLoadException.class, () -> model.serve(scorer, ServerSettings.onPort(port)));
      assertTrue(e.getMessage().contains("failed its warm-up batch"), e.getMessage());
      assertTrue(e.getMessage().contains("engine said no"), e.getMessage());
      try (ServerSocket again = new ServerSocket(port)) {
        assertEquals(port, again.getLocalPort(), "the port is free again");
      }
      awaitNoServingThreads();
    } finally {
      model.close();
    }
  }

  /** Until the server counts {@code n} score requests in flight; fails after a bounded wait. */
  static void awaitInFlight(ScoringServer server, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (server.inFlight() != n) {
      if (System.nanoTime() > deadline) {
        fail("never " + n + " requests in flight, but " + server.inFlight());
      }
      Thread.sleep(5); // polling observable state, not a synchronisation
    }
  }

  /** Until no thread of a serving pool is alive in this JVM; fails after a bounded wait. */
  static void awaitNoServingThreads() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      List<String> alive =
          Thread.getAllStackTraces().keySet().stream()
              .map(Thread::getName)
              .filter(n -> n.startsWith("shardscore-serving-"))
              .toList();
      if (alive.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("serving threads left: " + alive);
      }
      Thread.sleep(5);
    }
  }
}

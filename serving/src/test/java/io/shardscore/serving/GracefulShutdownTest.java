package io.shardscore.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a server with requests in flight (held inside the model call by a gate, so the moment is
 * known without sleeping): readiness turns off first while requests are still served, then the
 * listener closes, and every request already accepted is answered before stop returns.
 */
class GracefulShutdownTest {
  @TempDir Path dir;

  @Test
  void aStoppingServerTurnsUnreadyAndAnswersEveryRequestItAccepted() throws Exception {
    TestModel model = new TestModel(dir);
    GatedScorer gated = new GatedScorer(model.queue(64, 0));
    ScoringServer server = model.serve(gated, TestModel.anyPort());
    Http http = new Http(server.port());
    try {
      assertEquals(200, http.get("/readyz").status());
      gated.shut();
      List<CompletableFuture<Http.Reply>> inFlight = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        inFlight.add(
            http.postAsync("/v1/score", ScoringServerTest.rows(ScoringServerTest.row(i, 1, 2, 3))));
      }
      gated.awaitHeld(3);
      assertEquals(3, server.inFlight());

      server.drain();
      assertEquals(503, http.get("/readyz").status(), "a draining server is not ready");
      assertEquals("draining\n", http.get("/readyz").body());
      assertEquals(200, http.get("/healthz").status(), "but alive");
      // A request that still arrives while draining is accepted, so it must be answered too.
      inFlight.add(
          http.postAsync("/v1/score", ScoringServerTest.rows(ScoringServerTest.row(9, 1, 2, 3))));
      gated.awaitHeld(1);

      CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::stop);
      awaitRefused(server.port());
      for (CompletableFuture<Http.Reply> r : inFlight) {
        assertFalse(r.isDone(), "held in the model until the gate opens");
      }
      assertFalse(stopped.isDone(), "stop waits for the requests in flight");

      gated.open();
      for (CompletableFuture<Http.Reply> r : inFlight) {
        Http.Reply reply = r.get();
        assertEquals(200, reply.status(), reply.body());
        assertEquals(1, reply.json().get("scored").asInt());
      }
      stopped.get();
      assertEquals(0, server.inFlight());
    } finally {
      gated.open();
      server.stop();
      model.close();
    }
  }

  /** Waits until the listener is closed: new connections are refused. */
  private static void awaitRefused(int port) throws InterruptedException {
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      } catch (ConnectException refused) {
        return;
      } catch (IOException other) {
        // not decided yet; try again
      }
      Thread.onSpinWait();
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  @Test
  void aStoppedServerRefusesConnections() throws Exception {
    TestModel model = new TestModel(dir);
    ScoringServer server = model.serve(model.queue(8, 0), TestModel.anyPort());
    int port = server.port();
    server.stop();
    model.close();
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    assertTrue(!server.ready());
  }
}

package io.shardscore.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP load: C client threads, each on a keep-alive socket of its own, each sending
 * its next request when the last is answered, so the rate is what the server (and whatever sits
 * before it) sustains at that concurrency. Plain sockets rather than the JDK's {@code HttpClient},
 * whose own cost on the same cores would be measured with the server's. Failed requests (a status
 * other than 200, a closed or broken connection) are counted; a broken connection is reopened.
 */
final class ClosedLoop {
  private ClosedLoop() {}

  /** Requests per second and latency percentiles in milliseconds over the measured seconds. */
  record Result(double requestsPerSecond, double p50, double p95, double p99, long failed) {}

  /**
   * C keep-alive sockets to {@code port}, each sending the next {@code POST /v1/score} of {@code
   * body} when the last is answered; {@code warmup} seconds, then {@code seconds} measured.
   */
  static Result run(int port, String body, int clients, int warmup, int seconds) throws Exception {
    return run(port, body.getBytes(StandardCharsets.UTF_8), clients, warmup, seconds);
  }

  private static Result run(int port, byte[] body, int clients, int warmup, int seconds)
      throws Exception {
    byte[] head =
        ("POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1:"
                + port
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] request = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    try (Connection probe = new Connection(port)) { // answers 200 before the load starts
      int status = probe.send(request);
      if (status != 200) {
        throw new IOException("the server on " + port + " answered " + status + " to the request");
      }
    }
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong failed = new AtomicLong();
    long[][] samples = new long[clients][]; // each client's latencies, grown as it goes
    int[] counts = new int[clients];
    CountDownLatch connected = new CountDownLatch(clients);
    Thread[] threads = new Thread[clients];
    for (int c = 0; c < clients; c++) {
      int id = c;
      threads[c] =
          new Thread(
              () -> {
                long[] mine = new long[4096];
                int n = 0;
                Connection conn = null;
                try {
                  conn = new Connection(port);
                } catch (IOException e) {
                  // retried in the loop, and counted there if it fails while measuring
                } finally {
                  connected.countDown();
                }
                while (!stop.get()) {
                  long t0 = System.nanoTime();
                  boolean ok;
                  try {
                    if (conn == null) {
                      conn = new Connection(port);
                    }
                    ok = conn.send(request) == 200;
                  } catch (IOException e) {
                    ok = false;
                    if (conn != null) {
                      conn.closeQuietly();
                      conn = null;
                    }
                  }
                  if (measuring.get()) {
                    if (!ok) {
                      failed.incrementAndGet();
                    } else {
                      if (n == mine.length) {
                        mine = Arrays.copyOf(mine, n * 2);
                      }
                      mine[n++] = System.nanoTime() - t0;
                    }
                  }
                }
                if (conn != null) {
                  conn.closeQuietly();
                }
                samples[id] = mine;
                counts[id] = n;
              });
      threads[c].start();
    }
    connected.await();
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
    measuring.set(true);
    long t0 = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    measuring.set(false);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int k = 0;
    for (int c = 0; c < clients; c++) {
      System.arraycopy(samples[c], 0, all, k, counts[c]);
      k += counts[c];
    }
    Arrays.sort(all);
    return new Result(
        total / elapsed,
        percentile(all, 0.50),
        percentile(all, 0.95),
        percentile(all, 0.99),
        failed.get());
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
  }

  /** One HTTP/1.1 keep-alive connection: writes a request, reads the whole response. */
  private static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Connection(int port) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(30_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 8192);
    }

    /** Sends the request and returns the status after reading the body (length or chunked). */
    int send(byte[] request) throws IOException {
      out.write(request);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.split(" ")[1]);
      long length = -1;
      boolean chunked = false;
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          throw new IOException("the server closes the connection after each response");
        }
      }
      if (chunked) {
        for (long n = Long.parseLong(line().trim(), 16);
            n > 0;
            n = Long.parseLong(line().trim(), 16)) {
          skip(n);
          line();
        }
        line();
      } else if (length >= 0) {
        skip(length);
      } else {
        throw new IOException("a response without Content-Length or chunks");
      }
      return code;
    }

    private void skip(long n) throws IOException {
      for (long left = n; left > 0; ) {
        long s = in.skip(left);
        if (s <= 0) {
          if (in.read() < 0) {
            throw new IOException("the connection closed inside a body");
          }
          s = 1;
        }
        left -= s;
      }
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("the connection closed inside a response head");
        }
        if (b != '\r') {
          sb.append((char) b);
        }
      }
      return sb.toString();
    }

    void closeQuietly() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }

    @Override
    public void close() {
      closeQuietly();
    }
  }
}

package io.shardscore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.shardscore.job.demo.DemoData;
import io.shardscore.model.onnx.Mlp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Which HTTP server library {@code serve} should stand on, measured: the JDK's {@code
 * com.sun.net.httpserver} (what {@code ScoringServer} uses), with and without {@code
 * sun.net.httpserver.nodelay}, Jetty 12 and Netty 4.2, each answering {@code POST /v1/score} with
 * the same work and no model (read the body, parse it with Jackson, count its rows, write a
 * response of the size {@code serve} writes for one row), and then {@code shardscore serve} itself
 * with the demo model, so the table shows what the transport costs next to the whole request path.
 *
 * <p>Each server runs in a JVM of its own, pinned to core 0 with {@code taskset}; the closed-loop
 * client (C threads, each on a keep-alive socket of its own, one 1-row request at a time) runs in
 * this JVM, which {@code benchmarks/bin/server-libraries} pins to core 1. Servers alternate run by
 * run, so drift in the machine's load hits each alike.
 *
 * <p>{@code server-libraries [servers=jdk,jdk-nodelay,jetty,netty,serve-queue,serve-per-request]
 * [runs=3] [seconds=10] [warmup=3] [clients=32]}; {@code server=NAME} runs one server (the child's
 * mode).
 */
public final class ServerLibraries {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIGEST = "b72d95cc".repeat(8);

  private ServerLibraries() {}

  record Run(
      String server, double requestsPerSecond, double p50, double p95, double p99, long failed) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("arguments are key=value; got '" + a + "'");
      }
      opt.put(a.substring(0, eq), a.substring(eq + 1));
    }
    if (opt.containsKey("server")) {
      serveForever(opt.get("server"));
      return;
    }
    List<String> servers =
        List.of(
            opt.getOrDefault("servers", "jdk,jdk-nodelay,jetty,netty,serve-queue,serve-per-request")
                .split(","));
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    int seconds = Integer.parseInt(opt.getOrDefault("seconds", "10"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "3"));
    int clients = Integer.parseInt(opt.getOrDefault("clients", "32"));
    Path dir = Files.createTempDirectory("server-libraries");
    String hidden = opt.getOrDefault("hidden", "demo");
    Path job =
        hidden.equals("demo")
            ? ServeScaling.writeDemoJob(dir)
            : ServeScaling.writeJob(dir, Mlp.seeded(20261208L, widths(hidden)));
    List<Run> results = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      for (String server : servers) {
        Run run =
            measure(dir.resolve("run-" + r + "-" + server), job, server, clients, warmup, seconds);
        System.out.printf(
            Locale.ROOT,
            "{\"server\": \"%s\", \"run\": %d, \"req_per_s\": %.1f, \"p50_ms\": %.2f,"
                + " \"p95_ms\": %.2f, \"p99_ms\": %.2f, \"failed\": %d, \"load_average\": %.1f}%n",
            server,
            r,
            run.requestsPerSecond(),
            run.p50(),
            run.p95(),
            run.p99(),
            run.failed(),
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        results.add(run);
      }
    }
    Map<String, List<Run>> byServer = new LinkedHashMap<>();
    servers.forEach(s -> byServer.put(s, new ArrayList<>()));
    results.forEach(run -> byServer.get(run.server()).add(run));
    System.out.println(
        "| server | req/s, median (each run) | p50 / p95 / p99 ms of the median run | failed |");
    System.out.println("|---|---|---|---:|");
    for (Map.Entry<String, List<Run>> e : byServer.entrySet()) {
      List<Run> sorted = new ArrayList<>(e.getValue());
      sorted.sort((a, b) -> Double.compare(a.requestsPerSecond(), b.requestsPerSecond()));
      Run median = sorted.get(sorted.size() / 2);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.0f (%s) | %.1f / %.1f / %.1f | %d |%n",
          e.getKey(),
          median.requestsPerSecond(),
          String.join(
              ", ",
              e.getValue().stream()
                  .map(run -> String.format(Locale.ROOT, "%.0f", run.requestsPerSecond()))
                  .toList()),
          median.p50(),
          median.p95(),
          median.p99(),
          e.getValue().stream().mapToLong(Run::failed).sum());
    }
  }

  /** {@code 1024,1024}: the demo's 20 inputs, those hidden layers, 2 outputs. */
  private static int[] widths(String hidden) {
    int[] h;
    try {
      h = Arrays.stream(hidden.split(",")).mapToInt(Integer::parseInt).toArray();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "hidden=" + hidden + " is not a list of layer widths; write e.g. hidden=1024,1024");
    }
    int[] w = new int[h.length + 2];
    w[0] = DemoData.WIDTH;
    System.arraycopy(h, 0, w, 1, h.length);
    w[w.length - 1] = 2;
    return w;
  }

  /** Starts one server in a JVM of its own on core 0, loads it, stops it. */
  private static Run measure(
      Path dir, Path job, String server, int clients, int warmup, int seconds) throws Exception {
    Files.createDirectories(dir);
    // The JDK's server sets TCP_NODELAY only when asked; serve asks unless told otherwise.
    List<String> options =
        server.equals("jdk") || server.endsWith("-nagle")
            ? List.of("-Dsun.net.httpserver.nodelay=false")
            : server.equals("jdk-nodelay")
                ? List.of("-Dsun.net.httpserver.nodelay=true")
                : List.of();
    List<String> cmd = ServeScaling.pinnedJava(0, options);
    if (server.startsWith("serve-")) {
      cmd.addAll(
          ServeScaling.serveArgs(job, server.substring("serve-".length()).replace("-nagle", "")));
    } else {
      cmd.addAll(List.of(ServerLibraries.class.getName(), "server=" + server));
    }
    Path log = dir.resolve("server.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      int port = ServeScaling.awaitPort(p, log);
      ClosedLoop.Result r = ClosedLoop.run(port, ServeScaling.demoRow(), clients, warmup, seconds);
      return new Run(server, r.requestsPerSecond(), r.p50(), r.p95(), r.p99(), r.failed());
    } finally {
      p.destroy();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  // ---- the servers (each in a child JVM) ----

  /**
   * The same work for every library: parse the body as JSON, count its rows, and answer what {@code
   * serve} answers for that many scored rows (the demo model's response, of the same size).
   */
  static byte[] answer(byte[] body) throws IOException {
    JsonNode rows = JSON.readTree(body).path("rows");
    int n = rows.size();
    StringBuilder out =
        new StringBuilder("{\"model_digest\":\"")
            .append(DIGEST)
            .append("\",\"rows\":")
            .append(n)
            .append(",\"scored\":")
            .append(n)
            .append(",\"rejected\":0,\"results\":[");
    for (int i = 0; i < n; i++) {
      out.append(i == 0 ? "" : ",")
          .append("{\"probabilities\":[0.06518688,0.9348131],\"score\":0.9348131,\"label\":1}");
    }
    return out.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void serveForever(String server) throws Exception {
    int port =
        switch (server) {
          case "jdk", "jdk-nodelay" -> jdk();
          case "jetty" -> jetty();
          case "netty" -> netty();
          default ->
              throw new IllegalArgumentException(
                  "server=" + server + " is not one of jdk, jdk-nodelay, jetty, netty");
        };
    System.out.println("listening on http://127.0.0.1:" + port);
    System.out.flush();
    new CountDownLatch(1).await(); // until the harness stops this JVM
  }

  /** The JDK's server as {@code ScoringServer} sets it up: 64 threads read and answer. */
  private static int jdk() throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    ExecutorService threads = Executors.newFixedThreadPool(64);
    http.setExecutor(threads);
    http.createContext(
        "/v1/score",
        ex -> {
          try (ex) {
            byte[] response = answer(ex.getRequestBody().readAllBytes());
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, response.length);
            ex.getResponseBody().write(response);
          }
        });
    http.start();
    return http.getAddress().getPort();
  }

  /**
   * Jetty 12's core API, its default thread pool. (Javalin 7 on Jetty 12 needs the Servlet 6 API,
   * and Spark puts Servlet 5 on the class path: its first request fails with {@code
   * NoClassDefFoundError: jakarta/servlet/ServletConnection}.)
   */
  private static int jetty() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            ByteBuffer in = Content.Source.asByteBuffer(request);
            byte[] body = new byte[in.remaining()];
            in.get(body);
            byte[] out = answer(body);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, out.length);
            response.write(true, ByteBuffer.wrap(out), callback);
            return true;
          }
        });
    server.start();
    return connector.getLocalPort();
  }

  /** Netty 4.2: one event loop per core answers on the loop (the work is a few microseconds). */
  private static int netty() throws InterruptedException {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    Channel channel =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(8 << 20))
                        .addLast(new ScoreHandler());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  private static final class ScoreHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws IOException {
      byte[] response = answer(ByteBufUtil.getBytes(req.content()));
      FullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(response));
      res.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, response.length);
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (keepAlive) {
        ctx.writeAndFlush(res);
      } else {
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}

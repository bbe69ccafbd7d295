package io.shardscore.job.s3;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.shaded.org.eclipse.jetty.server.Request;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.gaul.shaded.org.eclipse.jetty.server.handler.HandlerWrapper;

/**
 * The conditional headers of the S3 request being served on this thread, for the blob store.
 * S3Proxy 2.9.0 hands {@code If-None-Match} of a PUT to the blob store (in {@code PutOptions2}) but
 * drops it for CompleteMultipartUpload, so this reads it from the HTTP request: a Jetty handler put
 * in front of S3Proxy's keeps it for the request's thread, together with the per-key locks the blob
 * store takes for that request, which it releases when the request is answered.
 */
final class RequestConditions {
  private static final ThreadLocal<RequestConditions> CURRENT = new ThreadLocal<>();

  private final String method;
  private final String query;
  private final String ifNoneMatch;
  private final List<Lock> held = new ArrayList<>();

  private RequestConditions(HttpServletRequest request) {
    this.method = request.getMethod();
    this.query = request.getQueryString() == null ? "" : request.getQueryString();
    this.ifNoneMatch = request.getHeader("If-None-Match");
  }

  /** Serves {@code proxy}'s requests through a handler that records their conditions. */
  static void install(S3Proxy proxy) {
    Server server;
    try {
      Field f = S3Proxy.class.getDeclaredField("server");
      f.setAccessible(true);
      server = (Server) f.get(proxy);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(
          "S3Proxy "
              + S3Proxy.class.getPackage().getImplementationVersion()
              + " has no Jetty 'server' field to read request headers from: update"
              + " RequestConditions for this S3Proxy version",
          e);
    }
    server.insertHandler(
        new HandlerWrapper() {
          @Override
          public void handle(
              String target, Request base, HttpServletRequest request, HttpServletResponse response)
              throws IOException, ServletException {
            RequestConditions conditions = new RequestConditions(request);
            CURRENT.set(conditions);
            try {
              super.handle(target, base, request, response);
            } finally {
              CURRENT.remove();
              conditions.held.forEach(Lock::unlock);
            }
          }
        });
  }

  /**
   * True when the request on this thread is a CompleteMultipartUpload carrying {@code
   * If-None-Match: *}.
   */
  static boolean completesIfAbsent() {
    RequestConditions c = CURRENT.get();
    return c != null
        && "POST".equals(c.method)
        && c.query.contains("uploadId=")
        && "*".equals(c.ifNoneMatch);
  }

  /** Takes {@code lock} until the request on this thread is answered (on this thread). */
  static void holdUntilAnswered(Lock lock) {
    RequestConditions c = CURRENT.get();
    if (c == null) {
      throw new IllegalStateException("no S3 request is being served on this thread");
    }
    lock.lock();
    c.held.add(lock);
  }
}

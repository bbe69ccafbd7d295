package io.shardscore.job.s3;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpResponseException;

/**
 * A real S3-protocol server (S3Proxy) in this JVM on 127.0.0.1, storing blobs in a folder, with
 * signed requests (AWS v2/v4), conditional creation ({@code If-None-Match: *}, atomic, as AWS S3)
 * and deterministic storage faults. It can stop and start again on the same port and folder, as a
 * store that goes down and comes back.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "shardscore-test-access";
  public static final String SECRET_KEY = "shardscore-test-secret-Zq81";

  private final Path folder;
  private final BlobStoreContext context;
  private final ConditionalBlobStore conditional;
  private final FaultyBlobStore store;
  private final Deque<Runnable> sessionUndo = new ArrayDeque<>();
  private int port;
  private S3Proxy proxy;

  private S3Server(Path folder) {
    this.folder = folder;
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", folder.toString());
    this.context =
        ContextBuilder.newBuilder("filesystem").overrides(props).build(BlobStoreContext.class);
    this.conditional = new ConditionalBlobStore(context.getBlobStore());
    this.store = new FaultyBlobStore(conditional);
  }

  /** Starts a server on a free port storing under {@code folder}. */
  public static S3Server start(Path folder) throws Exception {
    S3Server server = new S3Server(folder);
    server.port = 0;
    server.startProxy();
    return server;
  }

  private void startProxy() throws Exception {
    proxy =
        S3Proxy.builder()
            .blobStore(store)
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .ignoreUnknownHeaders(true)
            .build();
    RequestConditions.install(proxy);
    proxy.start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.sleep(20);
    }
    port = proxy.getPort();
  }

  /** Stops serving; the folder stays. */
  public void stop() throws Exception {
    proxy.stop();
  }

  /** Serves again on the same port and folder. */
  public void restart() throws Exception {
    startProxy();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path folder() {
    return folder;
  }

  public void createBucket(String bucket) {
    store.createContainerInLocation(null, bucket);
  }

  /**
   * The Hadoop settings that reach this server for one bucket, per-bucket so tests can point other
   * buckets elsewhere. Retries are capped so a dead store fails a run in seconds.
   */
  public Map<String, String> s3aSettings(String bucket, String accessKey, String secretKey) {
    String p = "fs.s3a.bucket." + bucket + ".";
    Map<String, String> s = new LinkedHashMap<>();
    s.put(p + "endpoint", endpoint());
    s.put(p + "endpoint.region", "us-east-1");
    s.put(p + "path.style.access", "true");
    s.put(p + "connection.ssl.enabled", "false");
    s.put(p + "access.key", accessKey);
    s.put(p + "secret.key", secretKey);
    s.put(p + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    s.putAll(failFast(bucket));
    return s;
  }

  public Map<String, String> s3aSettings(String bucket) {
    return s3aSettings(bucket, ACCESS_KEY, SECRET_KEY);
  }

  /** The documented fail-fast settings: few retries, short timeouts. */
  public static Map<String, String> failFast(String bucket) {
    String p = "fs.s3a.bucket." + bucket + ".";
    Map<String, String> s = new LinkedHashMap<>();
    s.put(p + "attempts.maximum", "1");
    s.put(p + "retry.limit", "2");
    s.put(p + "retry.interval", "100ms");
    s.put(p + "retry.throttle.limit", "2");
    s.put(p + "retry.throttle.interval", "100ms");
    s.put(p + "connection.establish.timeout", "15s"); // S3A's minimum
    s.put(p + "connection.timeout", "15s"); // S3A's minimum
    return s;
  }

  public void configure(Configuration conf, String bucket) {
    s3aSettings(bucket).forEach(conf::set);
  }

  /**
   * Points {@code bucket} of {@code spark} (a session other test classes share) at this server;
   * {@link #close()} puts back what those settings were before.
   */
  public synchronized void configure(SparkSession spark, String bucket) {
    s3aSettings(bucket)
        .forEach(
            (key, value) -> {
              scala.Option<String> before = spark.conf().getOption(key);
              sessionUndo.push(
                  () -> {
                    if (before.isDefined()) {
                      spark.conf().set(key, before.get());
                    } else {
                      spark.conf().unset(key);
                    }
                  });
              spark.conf().set(key, value);
            });
  }

  /** PUTs (single-part and multipart completions) of keys matching the filter, from now on. */
  public int puts() {
    return store.puts.get();
  }

  /**
   * Fails PUTs of keys matching {@code keys} from the {@code nth} matching one on (1-based), {@code
   * count} times in a row (or forever with {@link Integer#MAX_VALUE}). The server answers 503 Slow
   * Down.
   */
  public void failPuts(Predicate<String> keys, int nth, int count) {
    store.arm(keys, nth, count, () -> {});
  }

  /**
   * At the {@code nth} PUT of a key matching {@code keys}, the server goes down: it refuses that
   * PUT and stops listening, as a store that crashes mid-run. {@link #restart()} brings it back.
   */
  public void goDownAtPut(Predicate<String> keys, int nth) {
    store.arm(
        keys,
        nth,
        1,
        () ->
            new Thread(
                    () -> {
                      try {
                        proxy.stop();
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    },
                    "s3-outage")
                .start());
  }

  /**
   * At the {@code nth} PUT of a key matching {@code keys} the server stores the object and then
   * answers 503 Slow Down, as a store whose answer to a write that landed was lost: S3A retries the
   * PUT.
   */
  public void loseAnswerToPut(Predicate<String> keys, int nth) {
    store.arm(keys, nth, 1, () -> {}, true);
  }

  /**
   * The next PUT of {@code bucket/key} finds that a rival writer created the key, holding {@code
   * bytes}, just before the PUT reached storage and after S3Proxy's own existence check: the window
   * in which concurrent conditional PUTs race.
   */
  public void rivalCreatesFirst(String bucket, String key, byte[] bytes) {
    store.rivals.put(bucket + "/" + key, bytes);
  }

  /** What happened to a write that reached storage. */
  public enum Write {
    /** Stored without a condition (an existing object is replaced). */
    STORED,
    /** Stored because it carried {@code If-None-Match: *} and the key did not exist. */
    STORED_IF_ABSENT,
    /**
     * Refused with 412 Precondition Failed: it carried {@code If-None-Match: *}; the key existed.
     */
    REFUSED_EXISTS
  }

  /**
   * The writes of {@code bucket/key} that reached storage, in order: not those S3Proxy refused
   * itself, nor those an injected fault refused before storage.
   */
  public List<Write> writes(String bucket, String key) {
    return conditional.writes(bucket, key);
  }

  /** Number of PUTs refused by the fault (or answered with an error after being stored). */
  public int refusedPuts() {
    return store.refused.get();
  }

  public void clearFaults() {
    store.arm(k -> false, Integer.MAX_VALUE, 0, () -> {});
    store.rivals.clear();
  }

  @Override
  public void close() throws Exception {
    synchronized (this) {
      while (!sessionUndo.isEmpty()) {
        sessionUndo.pop().run();
      }
    }
    try {
      proxy.stop();
    } finally {
      context.close();
    }
  }

  /**
   * A blob store that refuses chosen PUTs, as a storage back end failing under load would, or loses
   * the answer to one that it stored, and lets a rival writer create a key first.
   */
  private static final class FaultyBlobStore extends ForwardingBlobStore {
    private final AtomicInteger puts = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final ConcurrentMap<String, byte[]> rivals = new ConcurrentHashMap<>();
    private volatile Predicate<String> keys = k -> false;
    private volatile int firstFailing = Integer.MAX_VALUE;
    private volatile int failures;
    private volatile Runnable onFault = () -> {};
    private volatile boolean storeFirst;
    private final AtomicInteger seen = new AtomicInteger();

    FaultyBlobStore(BlobStore delegate) {
      super(delegate);
    }

    void arm(Predicate<String> keys, int nth, int count, Runnable onFault) {
      arm(keys, nth, count, onFault, false);
    }

    synchronized void arm(
        Predicate<String> keys, int nth, int count, Runnable onFault, boolean storeFirst) {
      this.onFault = onFault;
      this.keys = keys;
      this.firstFailing = nth;
      this.failures = count;
      this.storeFirst = storeFirst;
      seen.set(0);
      refused.set(0);
    }

    /** True when this PUT of {@code key} is to fail. */
    private boolean faultDue(String key) {
      puts.incrementAndGet();
      if (!keys.test(key)) {
        return false;
      }
      int n = seen.incrementAndGet();
      synchronized (this) {
        if (n >= firstFailing && failures > 0) {
          if (failures != Integer.MAX_VALUE) {
            failures--;
          }
          refused.incrementAndGet();
          onFault.run();
          return true;
        }
      }
      return false;
    }

    private void rivalFirst(String container, String key) {
      byte[] rival = rivals.remove(container + "/" + key);
      if (rival != null) {
        delegate().putBlob(container, delegate().blobBuilder(key).payload(rival).build());
      }
    }

    private String write(String key, Supplier<String> put) {
      boolean fault = faultDue(key);
      if (fault && !storeFirst) {
        throw slowDown("injected storage fault on PUT " + key);
      }
      String etag = put.get();
      if (fault) {
        throw slowDown("injected fault: stored " + key + ", answer lost");
      }
      return etag;
    }

    /** 503 Slow Down, as S3 answers when a prefix is overloaded: clients retry it. */
    private static HttpResponseException slowDown(String message) {
      return new HttpResponseException(
          message, null, HttpResponse.builder().statusCode(503).message("Slow Down").build());
    }

    @Override
    public String putBlob(String container, Blob blob) {
      rivalFirst(container, blob.getMetadata().getName());
      return write(blob.getMetadata().getName(), () -> super.putBlob(container, blob));
    }

    @Override
    public String putBlob(String container, Blob blob, PutOptions options) {
      rivalFirst(container, blob.getMetadata().getName());
      return write(blob.getMetadata().getName(), () -> super.putBlob(container, blob, options));
    }

    @Override
    public String completeMultipartUpload(MultipartUpload mpu, List<MultipartPart> parts) {
      return write(mpu.blobName(), () -> super.completeMultipartUpload(mpu, parts));
    }
  }
}

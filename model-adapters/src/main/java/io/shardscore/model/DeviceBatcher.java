package io.shardscore.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One batching queue per loaded model and device: task threads hand in their batches, one worker
 * thread coalesces them (up to {@link BatchingSettings#maxRows} rows or {@link
 * BatchingSettings#maxWaitMicros} of waiting), runs the model once, and hands each task back
 * exactly its own rows in order. A coalesced call that fails is retried batch by batch, so a bad
 * batch fails only its own task; a cancelled task's batch is skipped; a caller never waits on a
 * dead worker.
 */
public final class DeviceBatcher implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(DeviceBatcher.class);
  private static final long POLL_MILLIS = 50;
  private static final AtomicInteger QUEUED = new AtomicInteger();

  private final SharedModel model;
  private final EnginePredictor predictor;
  private final BatchingSettings settings;
  private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Thread worker;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private volatile boolean closed;
  private Request carried;

  /** One task's batch: its own copy of the rows, and where its result goes. */
  private record Request(
      float[] values,
      int rows,
      int features,
      CompletableFuture<ModelOutput> result,
      BooleanSupplier cancelled) {}

  DeviceBatcher(SharedModel model, EnginePredictor predictor, BatchingSettings settings) {
    this.model = model;
    this.predictor = predictor;
    this.settings = settings;
    this.worker =
        new Thread(
            this::run, "shardscore-batcher-" + model.spec().shortDigest() + "-" + model.device());
    worker.setDaemon(true);
    worker.start();
  }

  /**
   * Scores {@code batch} through the queue and waits for its rows. The batch is copied, so the
   * caller may refill its array as soon as this returns.
   *
   * @param cancelled polled while waiting; when true the batch is withdrawn and this throws {@link
   *     CancellationException}
   */
  public ModelOutput predict(FeatureBatch batch, BooleanSupplier cancelled) {
    if (closed) {
      throw new IllegalStateException("The batching queue of " + where() + " is closed.");
    }
    float[] copy = new float[batch.rows() * batch.features()];
    System.arraycopy(batch.values(), 0, copy, 0, copy.length);
    Request r =
        new Request(copy, batch.rows(), batch.features(), new CompletableFuture<>(), cancelled);
    pending.incrementAndGet();
    QUEUED.incrementAndGet();
    requests.incrementAndGet();
    try {
      queue.add(r);
      while (true) {
        try {
          return r.result().get(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException notYet) {
          if (cancelled.getAsBoolean()) {
            r.result().cancel(false);
            throw new CancellationException("task cancelled while its batch waited");
          }
          if (!worker.isAlive()) {
            throw new IllegalStateException("The batching worker of " + where() + " stopped.");
          }
        } catch (InterruptedException e) {
          r.result().cancel(false);
          Thread.currentThread().interrupt();
          throw new CancellationException("task interrupted while its batch waited");
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          if (cause instanceof Error err) {
            throw err;
          }
          throw new IllegalStateException(cause);
        }
      }
    } finally {
      pending.decrementAndGet();
      QUEUED.decrementAndGet();
    }
  }

  /** Model calls this queue made, and batches handed in: calls / batches shows the coalescing. */
  public long calls() {
    return calls.get();
  }

  public long batches() {
    return requests.get();
  }

  /** Batches handed in and not yet answered, over every batching queue of this JVM. */
  public static int queuedBatches() {
    return QUEUED.get();
  }

  public BatchingSettings settings() {
    return settings;
  }

  boolean busy() {
    return pending.get() > 0;
  }

  private String where() {
    return model.spec().location() + " on " + model.device();
  }

  private void run() {
    while (!closed) {
      List<Request> group = new ArrayList<>();
      try {
        collect(group);
        if (!group.isEmpty()) {
          score(group);
        }
      } catch (InterruptedException e) {
        // Only close() interrupts the worker; batches already taken must not be left waiting.
        for (Request r : group) {
          r.result().completeExceptionally(new IllegalStateException(where() + " was closed"));
        }
        if (closed) {
          break;
        }
      } catch (Throwable t) { // keep serving: fail only the batches in hand
        for (Request r : group) {
          r.result().completeExceptionally(t);
        }
        LOG.warn("Batching worker of {} failed a call: {}", where(), t.toString());
      }
    }
    Request r = carried;
    carried = null;
    if (r != null) {
      r.result().completeExceptionally(new IllegalStateException(where() + " was closed"));
    }
    while ((r = queue.poll()) != null) {
      r.result().completeExceptionally(new IllegalStateException(where() + " was closed"));
    }
  }

  /** The next group: the first live batch, then more until full or the wait is over. */
  private void collect(List<Request> group) throws InterruptedException {
    Request first = carried != null ? carried : queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
    carried = null;
    if (first == null || !live(first)) {
      return;
    }
    group.add(first);
    int rows = first.rows();
    long deadline = System.nanoTime() + settings.maxWaitMicros() * 1000;
    while (rows < settings.maxRows()) {
      long left = deadline - System.nanoTime();
      Request next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
      if (next == null) {
        break;
      }
      if (!live(next)) {
        continue;
      }
      if (rows + next.rows() > settings.maxRows() || next.features() != first.features()) {
        carried = next;
        break;
      }
      group.add(next);
      rows += next.rows();
    }
  }

  private static boolean live(Request r) {
    if (r.result().isDone()) {
      return false;
    }
    if (r.cancelled().getAsBoolean()) {
      r.result().cancel(false);
      return false;
    }
    return true;
  }

  private void score(List<Request> group) {
    if (group.size() == 1) {
      Request r = group.get(0);
      ModelEvents.current().coalesced(1, r.rows());
      complete(r, () -> call(new FeatureBatch(r.values(), r.rows(), r.features())));
      return;
    }
    int features = group.get(0).features();
    int rows = group.stream().mapToInt(Request::rows).sum();
    ModelEvents.current().coalesced(group.size(), rows);
    float[] all = new float[rows * features];
    int at = 0;
    for (Request r : group) {
      System.arraycopy(r.values(), 0, all, at, r.values().length);
      at += r.values().length;
    }
    ModelOutput out;
    try {
      out = call(new FeatureBatch(all, rows, features));
    } catch (RuntimeException e) {
      // Isolate: each batch alone, so only the batch that fails sees the failure.
      for (Request r : group) {
        complete(r, () -> call(new FeatureBatch(r.values(), r.rows(), r.features())));
      }
      return;
    }
    int row = 0;
    for (Request r : group) {
      float[] mine = new float[r.rows() * out.width()];
      System.arraycopy(out.values(), row * out.width(), mine, 0, mine.length);
      r.result().complete(new ModelOutput(mine, r.rows(), out.width(), out.segments()));
      row += r.rows();
    }
  }

  private static void complete(Request r, java.util.function.Supplier<ModelOutput> work) {
    try {
      r.result().complete(work.get());
    } catch (RuntimeException e) {
      r.result().completeExceptionally(e);
    }
  }

  private ModelOutput call(FeatureBatch batch) {
    calls.incrementAndGet();
    return OomBackoff.predict(batch, this::predictOnce, where());
  }

  private ModelOutput predictOnce(FeatureBatch batch) {
    return model.predictOnce(predictor, batch);
  }

  @Override
  public void close() {
    closed = true;
    worker.interrupt();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    predictor.close();
  }
}

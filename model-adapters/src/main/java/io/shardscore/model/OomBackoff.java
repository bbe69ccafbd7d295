package io.shardscore.model;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a batch through the model and, when the engine runs out of memory, runs it again in halves,
 * quarters, … down to single rows. Each row is scored exactly once and the outputs come back in row
 * order; the model stays usable after the failed call. Counted per JVM and logged.
 *
 * <p>What counts as out of memory is {@link EngineOutOfMemory}'s call, for exceptions and errors
 * alike: the engine's allocator failures and the JVM's {@code OutOfMemoryError: Direct buffer
 * memory} (tensors handed to the engine) are retried; anything else, including the JVM's own heap
 * exhaustion ({@code Java heap space}), is rethrown unchanged.
 */
public final class OomBackoff {
  private static final Logger LOG = LogManager.getLogger(OomBackoff.class);
  private static final AtomicLong HALVINGS = new AtomicLong();

  private OomBackoff() {}

  /** Times a batch was halved after an out-of-memory error in this JVM. */
  public static long halvings() {
    return HALVINGS.get();
  }

  /**
   * {@code call} on {@code batch}, split after out-of-memory errors.
   *
   * @param where the model and device, for messages
   */
  public static ModelOutput predict(
      FeatureBatch batch, Function<FeatureBatch, ModelOutput> call, String where) {
    try {
      return call.apply(batch);
    } catch (Throwable e) {
      if (!EngineOutOfMemory.is(e)) {
        throw e;
      }
      if (batch.rows() <= 1) {
        throw outOfMemoryAtOneRow(e, batch, where);
      }
      return inChunks(batch, call, where, e);
    }
  }

  private static InferenceException outOfMemoryAtOneRow(
      Throwable e, FeatureBatch batch, String where) {
    return new InferenceException(
        "Model "
            + where
            + " ran out of memory even on a batch of "
            + batch.rows()
            + " row(s) of "
            + batch.features()
            + " features: "
            + e.getMessage()
            + ". The device is too small for this model; use a larger device or the CPU.",
        e);
  }

  private static ModelOutput inChunks(
      FeatureBatch batch, Function<FeatureBatch, ModelOutput> call, String where, Throwable first) {
    int rows = batch.rows();
    int features = batch.features();
    int chunk = Math.max(1, rows / 2);
    HALVINGS.incrementAndGet();
    ModelEvents.current().halved(rows);
    LOG.warn(
        "Model {} ran out of memory on a batch of {} rows; retrying in batches of {} ({})",
        where,
        rows,
        chunk,
        first.getMessage());
    float[] out = null;
    int width = -1;
    int[] segments = null;
    int done = 0;
    while (done < rows) {
      int n = Math.min(chunk, rows - done);
      float[] part = Arrays.copyOfRange(batch.values(), done * features, (done + n) * features);
      ModelOutput o;
      try {
        o = call.apply(new FeatureBatch(part, n, features));
      } catch (Throwable e) {
        if (!EngineOutOfMemory.is(e)) {
          throw e;
        }
        if (n <= 1) {
          throw outOfMemoryAtOneRow(e, new FeatureBatch(part, n, features), where);
        }
        chunk = Math.max(1, n / 2);
        HALVINGS.incrementAndGet();
        ModelEvents.current().halved(n);
        LOG.warn("Model {} still out of memory at {} rows; retrying with {}", where, n, chunk);
        continue;
      }
      if (out == null) {
        width = o.width();
        segments = o.segments();
        out = new float[rows * width];
      }
      System.arraycopy(o.values(), 0, out, done * width, n * width);
      done += n;
    }
    return new ModelOutput(out, rows, width, segments);
  }
}

package io.shardscore.job.score;

import io.shardscore.job.metrics.ScoringMetrics;
import io.shardscore.model.BatchModel;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.ModelOutput;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Streams rows through a model in batches: validates and packs features into one reused float
 * array, calls the model once per batch, and projects each row with its predictions and provenance
 * into an output row. Unscorable rows are projected with their reason into the error sink. At most
 * one batch of rows is held at a time. One instance per task thread.
 */
public final class BatchScorer {
  private final RowFeatures features;
  private final OutputLayout layout;
  private final int batchSize;
  private final UnsafeProjection dataProjection;
  private final UnsafeProjection errorProjection;
  private final GenericInternalRow extras;
  private final GenericInternalRow errorExtras = new GenericInternalRow(4);
  private final JoinedRow joined = new JoinedRow();

  /** The model's class names, ready to write; empty without labels. */
  private final UTF8String[] classNames;

  /** The indexes of the current row's top-k values; reused. */
  private final int[] top;

  private long batches;
  private long modelNanos;
  private long rejectedUnreported;

  public BatchScorer(
      RowFeatures features,
      OutputLayout layout,
      int batchSize,
      String modelDigest,
      String runId,
      long scoredAtMicros) {
    this.features = features;
    this.layout = layout;
    this.batchSize = batchSize;
    this.dataProjection = layout.dataProjection();
    this.errorProjection = layout.errorProjection();
    List<String> labels = layout.predictions().labels();
    this.classNames = labels.stream().map(UTF8String::fromString).toArray(UTF8String[]::new);
    this.top = new int[layout.predictions().topK()];
    UTF8String digest = UTF8String.fromString(modelDigest);
    UTF8String run = UTF8String.fromString(runId);
    this.extras = new GenericInternalRow(layout.dataExtras());
    int provenance = layout.dataExtras() - 3;
    extras.update(provenance, digest);
    extras.update(provenance + 1, run);
    extras.update(provenance + 2, scoredAtMicros);
    errorExtras.update(1, digest);
    errorExtras.update(2, run);
    errorExtras.update(3, scoredAtMicros);
  }

  /**
   * Scores every row of {@code rows}; {@code check} sees each input row first (and may throw).
   * Returns the number of input rows.
   */
  public long score(
      Iterator<InternalRow> rows,
      BatchModel session,
      RowSink data,
      RowSink errors,
      Consumer<InternalRow> check)
      throws IOException {
    RowFeatures features = this.features.forModel(session);
    int width = features.width();
    float[] values = new float[batchSize * width];
    InternalRow[] batchRows = new InternalRow[batchSize];
    PredictionColumns p = layout.predictions();
    long rowsIn = 0;
    int n = 0;
    while (true) {
      boolean more = rows.hasNext();
      if (more) {
        InternalRow row = rows.next();
        check.accept(row);
        rowsIn++;
        String reason = features.fill(row, values, n * width);
        if (reason != null) {
          reject(row, reason, errors);
          continue;
        }
        // The input iterator reuses its row object; keep a copy until the batch is scored.
        batchRows[n++] = row.copy();
      }
      if (n == batchSize || (!more && n > 0)) {
        long t0 = System.nanoTime();
        ModelOutput out = session.predict(new FeatureBatch(values, n, width));
        long nanos = System.nanoTime() - t0;
        modelNanos += nanos;
        batches++;
        ScoringMetrics.batch(n, nanos);
        reportRejected();
        for (int r = 0; r < n; r++) {
          int k = 0;
          if (!p.probabilities().isEmpty()) {
            float[] probs = new float[out.primaryWidth()];
            System.arraycopy(out.values(), r * out.width(), probs, 0, probs.length);
            extras.update(k++, UnsafeArrayData.fromPrimitiveArray(probs));
          }
          if (!p.score().isEmpty()) {
            extras.setFloat(k++, out.get(r, p.scoreIndex()));
          }
          if (!p.label().isEmpty()) {
            extras.setInt(k++, out.argmax(r));
          }
          if (!p.labelName().isEmpty()) {
            extras.update(k++, classNames[out.argmax(r)]);
          }
          if (p.topK() > 0) {
            out.topK(r, p.topK(), top);
            Object[] names = new Object[p.topK()];
            float[] topValues = new float[p.topK()];
            for (int i = 0; i < p.topK(); i++) {
              names[i] = classNames[top[i]];
              topValues[i] = out.get(r, top[i]);
            }
            extras.update(k++, new GenericArrayData(names));
            extras.update(k++, UnsafeArrayData.fromPrimitiveArray(topValues));
          }
          for (TensorColumn t : p.tensors()) {
            float[] tensor = new float[t.width()];
            System.arraycopy(out.values(), r * out.width() + t.offset(), tensor, 0, t.width());
            extras.update(k++, UnsafeArrayData.fromPrimitiveArray(tensor));
          }
          data.write(dataProjection.apply(joined.apply(batchRows[r], extras)));
          batchRows[r] = null;
        }
        n = 0;
      }
      if (!more) {
        reportRejected();
        return rowsIn;
      }
    }
  }

  /** Writes a row to the error sink with its reason. */
  public void reject(InternalRow row, String reason, RowSink errors) throws IOException {
    errorExtras.update(0, UTF8String.fromString(reason));
    errors.write(errorProjection.apply(joined.apply(row, errorExtras)));
    rejectedUnreported++;
  }

  /** Adds the rows rejected since the last call to the live metrics (once per batch, not row). */
  public void reportRejected() {
    ScoringMetrics.rejected(rejectedUnreported);
    rejectedUnreported = 0;
  }

  /** Model calls made so far. */
  public long batches() {
    return batches;
  }

  /** Time spent inside the model so far. */
  public long modelNanos() {
    return modelNanos;
  }
}

package io.shardscore.job.score;

import io.shardscore.job.commit.PendingJournal;
import io.shardscore.model.FeatureBatch;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelOutput;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ScoringSession;
import io.shardscore.sharding.Shard;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Scores one partition (all rows of one shard, or of one slice of a split shard) and stages its
 * output. Rows stream through: at most one batch of rows is held at a time, features go into one
 * reused float array, and the shared model of this JVM is used through a per-task session.
 */
public final class PartitionScorer implements FlatMapFunction<Iterator<InternalRow>, TaskOutcome> {
  private static final long serialVersionUID = 1L;
  private final ScoringTask task;

  public PartitionScorer(ScoringTask task) {
    this.task = task;
  }

  @Override
  public Iterator<TaskOutcome> call(Iterator<InternalRow> rows) throws IOException {
    long start = System.nanoTime();
    TaskContext context = TaskContext.get();
    int partition = context.partitionId();
    int attempt = context.attemptNumber();
    Shard shard = task.plan().shard(task.placement().shardOfPartition(partition));
    int expectedRoute = task.routeValues()[partition];
    int routeOrdinal = task.layout().routeOrdinal();

    String file = String.format(Locale.ROOT, "part-%05d-%s.parquet", partition, task.runId());
    String staged =
        String.format(Locale.ROOT, "part-%05d-%s-a%d.parquet", partition, task.runId(), attempt);
    String dataRelative = "shard=" + shard.name() + "/" + file;
    String errorRelative = "_errors/shard=" + shard.name() + "/" + file;
    String dataStaged = "shard=" + shard.name() + "/" + staged;
    String errorStaged = "_errors/shard=" + shard.name() + "/" + staged;
    Path root = new Path(task.stagingRoot());

    UTF8String digest = UTF8String.fromString(task.model().digest());
    UTF8String runId = UTF8String.fromString(task.runId());
    Counters counters = new Counters();
    try (ShardFileWriter dataWriter =
            new ShardFileWriter(
                task.hadoopConf().get(),
                task.layout().dataSchema(),
                new Path(root, dataStaged),
                dataRelative);
        ShardFileWriter errorWriter =
            new ShardFileWriter(
                task.hadoopConf().get(),
                task.layout().errorSchema(),
                new Path(root, errorStaged),
                errorRelative)) {
      ErrorSink errors = new ErrorSink(errorWriter, digest, runId);
      if (!shard.scored()) {
        while (rows.hasNext()) {
          InternalRow row = rows.next();
          checkRoute(row, routeOrdinal, expectedRoute, partition);
          counters.rowsIn++;
          errors.write(row, shard.rejectReason());
        }
      } else {
        scoreRows(
            rows,
            routeOrdinal,
            expectedRoute,
            partition,
            dataWriter,
            errors,
            digest,
            runId,
            counters,
            context);
      }
      WrittenFile data = dataWriter.finish();
      WrittenFile rejected = errorWriter.finish();
      FaultInjection.checkTask(partition);
      TaskOutcome outcome =
          new TaskOutcome(
              partition,
              attempt,
              shard.id(),
              counters.rowsIn,
              data,
              data == null ? null : new Path(root, dataStaged).toString(),
              rejected,
              rejected == null ? null : new Path(root, errorStaged).toString(),
              counters.batches,
              counters.modelNanos,
              System.nanoTime() - start,
              SparkEnv.get() == null ? "unknown" : SparkEnv.get().executorId(),
              ModelRegistry.loadCount());
      PendingJournal.markDone(root.getFileSystem(task.hadoopConf().get()), root, outcome);
      return List.of(outcome).iterator();
    }
  }

  private void scoreRows(
      Iterator<InternalRow> rows,
      int routeOrdinal,
      int expectedRoute,
      int partition,
      ShardFileWriter dataWriter,
      ErrorSink errors,
      UTF8String digest,
      UTF8String runId,
      Counters counters,
      TaskContext context)
      throws IOException {
    int batchSize = task.batchSize();
    FeatureLayout features = task.features();
    int width = features.width();
    float[] values = new float[batchSize * width];
    InternalRow[] batchRows = new InternalRow[batchSize];
    int n = 0;
    LoadedModel model =
        ModelRegistry.acquire(
            task.model(), task.modelSource(), task.engineSettings(context.cpus()));
    UnsafeProjection project = task.layout().dataProjection();
    PredictionColumns p = task.layout().predictions();
    GenericInternalRow extras = new GenericInternalRow(task.layout().dataExtras());
    int provenance = task.layout().dataExtras() - 3;
    extras.update(provenance, digest);
    extras.update(provenance + 1, runId);
    extras.update(provenance + 2, task.scoredAtMicros());
    JoinedRow joined = new JoinedRow();
    try (ScoringSession session = model.newSession()) {
      while (true) {
        boolean more = rows.hasNext();
        if (more) {
          InternalRow row = rows.next();
          checkRoute(row, routeOrdinal, expectedRoute, partition);
          counters.rowsIn++;
          String reason = features.fill(row, values, n * width);
          if (reason != null) {
            errors.write(row, reason);
            continue;
          }
          // The input iterator reuses its row object; keep a copy until the batch is scored.
          batchRows[n++] = row.copy();
        }
        if (n == batchSize || (!more && n > 0)) {
          long t0 = System.nanoTime();
          ModelOutput out = session.predict(new FeatureBatch(values, n, width));
          counters.modelNanos += System.nanoTime() - t0;
          counters.batches++;
          for (int r = 0; r < n; r++) {
            int k = 0;
            if (!p.probabilities().isEmpty()) {
              float[] probs = new float[out.width()];
              System.arraycopy(out.values(), r * out.width(), probs, 0, out.width());
              extras.update(k++, UnsafeArrayData.fromPrimitiveArray(probs));
            }
            if (!p.score().isEmpty()) {
              extras.setFloat(k++, out.get(r, p.scoreIndex()));
            }
            if (!p.label().isEmpty()) {
              extras.setInt(k++, out.argmax(r));
            }
            dataWriter.write(project.apply(joined.apply(batchRows[r], extras)));
            batchRows[r] = null;
          }
          n = 0;
        }
        if (!more) {
          break;
        }
      }
    }
  }

  private static void checkRoute(InternalRow row, int routeOrdinal, int expected, int partition) {
    int route = row.getInt(routeOrdinal);
    if (route != expected) {
      throw new IllegalStateException(
          "Partition "
              + partition
              + " received a row routed to value "
              + route
              + " instead of "
              + expected
              + ": Spark's hash partitioning no longer matches PartitionRouting. Refusing to mix"
              + " shards in one file.");
    }
  }

  /** Writes unscorable rows with their reason. */
  private final class ErrorSink {
    private final ShardFileWriter writer;
    private final UnsafeProjection project;
    private final GenericInternalRow extras = new GenericInternalRow(4);
    private final JoinedRow joined = new JoinedRow();

    ErrorSink(ShardFileWriter writer, UTF8String digest, UTF8String runId) {
      this.writer = writer;
      this.project = task.layout().errorProjection();
      extras.update(1, digest);
      extras.update(2, runId);
      extras.update(3, task.scoredAtMicros());
    }

    void write(InternalRow row, String reason) throws IOException {
      extras.update(0, UTF8String.fromString(reason));
      writer.write(project.apply(joined.apply(row, extras)));
    }
  }

  private static final class Counters {
    long rowsIn;
    long batches;
    long modelNanos;
  }
}

package io.shardscore.job.score;

import io.shardscore.job.change.RowHasher;
import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.TaskOutcome;
import io.shardscore.job.commit.WrittenFile;
import io.shardscore.job.metrics.ScoringMetrics;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.model.BatchModel;
import io.shardscore.model.DeviceChoice;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelRegistry;
import io.shardscore.sharding.Shard;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

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
    long taskAttemptId = context.taskAttemptId();
    Shard shard = task.plan().shard(task.placement().shardOfPartition(partition));
    int expectedRoute = task.routeValues()[partition];
    int routeOrdinal = task.layout().routeOrdinal();

    // Unique per task attempt of this attempt of the run: never the name of any other file.
    String file =
        String.format(
            Locale.ROOT,
            "part-%05d-%s-%s-t%d.parquet",
            partition,
            task.runId(),
            task.attemptId(),
            taskAttemptId);
    String dataRelative = OutputPaths.dataFile(shard.name(), file);
    String errorRelative = OutputPaths.errorFile(shard.name(), file);
    String dataStaged = dataRelative;
    String errorStaged = errorRelative;
    Path root = new Path(task.stagingRoot());

    // The device first: a task that cannot get the GPU it was promised fails before reading a row.
    DeviceChoice device =
        shard.scored() ? DeviceSelection.forTask(context, task.device(), task.model()) : null;
    Counters counters = new Counters();
    // The same in every row a task writes: handed to Parquet once per file.
    Map<String, String> provenance =
        Map.of("model_digest", task.model().digest(), "run_id", task.runId());
    try (ShardFileWriter dataWriter =
            new ShardFileWriter(
                task.hadoopConf().get(),
                task.layout().dataSchema(),
                new Path(root, dataStaged),
                dataRelative,
                provenance);
        ShardFileWriter errorWriter =
            new ShardFileWriter(
                task.hadoopConf().get(),
                task.layout().errorSchema(),
                new Path(root, errorStaged),
                errorRelative,
                provenance)) {
      StructType carried = task.layout().carriedSchema();
      RowHasher hasher =
          new RowHasher(carried, carried.fields()[task.layout().routeOrdinal()].name());
      long[] hashes = new long[2];
      java.util.function.Consumer<InternalRow> check =
          row -> {
            checkRoute(row, routeOrdinal, expectedRoute, partition);
            hashes[0] += hasher.hashA(row);
            hashes[1] += hasher.hashB(row);
          };
      BatchScorer scorer =
          new BatchScorer(
              task.features(),
              task.layout(),
              task.batchSize(),
              task.model().digest(),
              task.runId(),
              task.scoredAtMicros());
      if (!shard.scored()) {
        while (rows.hasNext()) {
          InternalRow row = rows.next();
          check.accept(row);
          counters.rowsIn++;
          scorer.reject(row, shard.rejectReason(), errorWriter::write);
          if ((counters.rowsIn & 0xFFF) == 0) {
            scorer.reportRejected();
          }
        }
        scorer.reportRejected();
      } else {
        LoadedModel model =
            ModelRegistry.acquire(
                task.model(), task.modelSource(), task.engineSettings(context.cpus()), device);
        try (BatchModel session =
            task.queue() == null
                ? model.newSession()
                : model.queueSession(task.queue(), context::isInterrupted)) {
          counters.rowsIn =
              scorer.score(rows, session, dataWriter::write, errorWriter::write, check);
        }
        counters.batches = scorer.batches();
        counters.modelNanos = scorer.modelNanos();
      }
      WrittenFile data = dataWriter.finish();
      WrittenFile rejected = errorWriter.finish();
      reportToDriver(context, counters.rowsIn, data, rejected);
      FaultInjection.checkTask(partition);
      // Before the result: once the job returns, the driver has every finished task's counts.
      ScoringMetrics.taskDone(
          data == null ? 0 : data.rows(),
          rejected == null ? 0 : rejected.rows(),
          counters.batches,
          counters.modelNanos,
          device == null ? null : device.device());
      TaskOutcome outcome =
          new TaskOutcome(
              partition,
              taskAttemptId,
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
              ModelRegistry.loadCount(),
              hashes[0],
              hashes[1],
              device == null ? null : device.describe());
      PendingJournal.markDone(root.getFileSystem(task.hadoopConf().get()), root, outcome);
      return List.of(outcome).iterator();
    }
  }

  /**
   * Spark's output metrics (its UI and listeners see the bytes and rows this task wrote; shardscore
   * writes its files itself, so Spark cannot count them) and the live counters of the progress
   * lines.
   */
  private void reportToDriver(
      TaskContext context, long rowsIn, WrittenFile data, WrittenFile rejected) {
    long bytes = (data == null ? 0 : data.bytes()) + (rejected == null ? 0 : rejected.bytes());
    // private[spark] in Scala, public in the bytecode.
    context.taskMetrics().outputMetrics().setBytesWritten(bytes);
    context.taskMetrics().outputMetrics().setRecordsWritten(rowsIn);
    if (task.live() != null) {
      task.live().report(rowsIn, rejected == null ? 0 : rejected.rows());
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

  private static final class Counters {
    long rowsIn;
    long batches;
    long modelNanos;
  }
}

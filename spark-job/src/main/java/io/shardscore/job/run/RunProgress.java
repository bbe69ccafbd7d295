package io.shardscore.job.run;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.report.ExecutorMemory;
import io.shardscore.job.report.StageIo;
import io.shardscore.job.score.LiveCounters;
import io.shardscore.sharding.ShardPlacement;
import io.shardscore.sharding.ShardPlan;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkContext;
import org.apache.spark.Success$;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageExecutorMetrics;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The driver's view of one run while it runs, a Spark listener registered for the run and removed
 * when it ends: a line per shard as its last task finishes, a progress line at most once per {@code
 * scoring.progress-interval} (rows done, rows/s, ETA from the census's row counts), and, for the
 * run report, the bytes the scoring job's stages moved, when its placement (shuffle) stage ended,
 * and executor memory peaks.
 *
 * <p>Its figures are live: rows and errors come from each task's accumulator updates as its end
 * event arrives. The summary, the manifest and the report's counts come from task results, as
 * always. On a terminal ({@code System.console() != null}) the progress line is a single bar
 * redrawn in place on standard output; otherwise every line is logged (INFO, this class's logger),
 * as a scheduler's log wants it.
 */
final class RunProgress extends SparkListener implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(RunProgress.class);
  private static final long DRAIN_MILLIS = 60_000;
  private static final String GROUP = "spark.jobGroup.id";
  private static final int BAR_WIDTH = 30;

  private final SparkContext sc;
  private final ShardPlan shards;
  private final ChangePlan changes;
  private final long intervalMillis;
  private final PrintStream terminal;
  private final LiveCounters live;

  // The scoring job this run is waiting for (set on the driver before it starts).
  private String scoringGroup;
  private ShardPlacement placement;
  private long rowsToScore;
  private int shardsToScore;

  // What the listener saw (on Spark's listener thread).
  private final Set<Integer> jobStages = new HashSet<>();
  private int resultStage = -1;
  private long placementDoneMillis = -1;
  private final Map<Integer, Finished> finished = new HashMap<>();
  private final Set<Integer> shardsDone = new HashSet<>();
  private long rowsDone;
  private long firstLaunchMillis = Long.MAX_VALUE;
  private long lastLineMillis = Long.MIN_VALUE;
  private long bytesRead;
  private long shuffleBytesWritten;
  private long shuffleBytesRead;
  private long bytesWritten;
  private final Map<String, long[]> memory = new TreeMap<>();
  private boolean closed;
  private String bar = "";

  /** One finished scoring task, from its end event. */
  private record Finished(int shardId, long rows, long rejected, long launch, long finish) {}

  private RunProgress(SparkContext sc, PreparedRun p, PrintStream terminal) {
    this.sc = sc;
    this.shards = p.shards();
    this.changes = p.changes();
    this.intervalMillis = p.config().scoring().progressEvery().toMillis();
    this.terminal = terminal;
    this.live =
        new LiveCounters(
            sc.longAccumulator(LiveCounters.ROWS_IN),
            sc.longAccumulator(LiveCounters.ROWS_REJECTED),
            sc.longAccumulator(LiveCounters.HEAP_USED));
  }

  /** Registers a listener for the run; {@link #close()} removes it. */
  static RunProgress start(SparkContext sc, PreparedRun p) {
    RunProgress progress = new RunProgress(sc, p, System.console() != null ? System.out : null);
    sc.addSparkListener(progress);
    return progress;
  }

  /** What the scoring tasks report to this listener. */
  LiveCounters counters() {
    return live;
  }

  /** Called before the scoring job of {@code placement} starts in job group {@code group}. */
  synchronized void scoring(String group, ShardPlacement placement, Set<Integer> toScore) {
    this.scoringGroup = group;
    this.placement = placement;
    long rows = 0;
    int count = 0;
    for (int id : toScore) {
      if (placement.partitionsOf(id) > 0) {
        rows += changes.of(id).rows();
        count++;
      }
    }
    this.rowsToScore = rows;
    this.shardsToScore = count;
  }

  /**
   * Waits (bounded) until the listener has seen every event posted so far, then removes it: what it
   * reports afterwards covers the whole run.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      sc.listenerBus().waitUntilEmpty(DRAIN_MILLIS);
    } catch (TimeoutException e) {
      LOG.warn(
          "Spark's listener bus still held events after {} s; progress figures may be incomplete",
          DRAIN_MILLIS / 1000);
    } finally {
      sc.removeSparkListener(this);
      synchronized (this) {
        if (terminal != null && !bar.isEmpty()) {
          terminal.println();
          terminal.flush();
        }
      }
    }
  }

  /** When the scoring job's placement (shuffle) stage ended, or -1 if it was not seen. */
  synchronized long placementDoneMillis() {
    return placementDoneMillis;
  }

  /** Bytes the scoring job's stages read, shuffled and wrote, from Spark's task metrics. */
  synchronized StageIo io() {
    return new StageIo(bytesRead, shuffleBytesWritten, shuffleBytesRead, bytesWritten);
  }

  /** Peak heap and process-tree RSS per executor seen while the run was registered. */
  synchronized List<ExecutorMemory> executorMemory() {
    List<ExecutorMemory> out = new ArrayList<>();
    memory.forEach((id, peaks) -> out.add(new ExecutorMemory(id, peaks[0], peaks[1])));
    return out;
  }

  @Override
  public synchronized void onJobStart(SparkListenerJobStart job) {
    if (scoringGroup == null
        || job.properties() == null
        || !scoringGroup.equals(job.properties().getProperty(GROUP))) {
      return;
    }
    for (StageInfo stage : CollectionConverters.asJava(job.stageInfos())) {
      jobStages.add(stage.stageId());
      if (stage.shuffleDepId().isEmpty()) {
        resultStage = stage.stageId();
      }
    }
  }

  @Override
  public synchronized void onStageCompleted(SparkListenerStageCompleted completed) {
    StageInfo stage = completed.stageInfo();
    if (jobStages.contains(stage.stageId())
        && stage.stageId() != resultStage
        && stage.completionTime().isDefined()) {
      placementDoneMillis = Math.max(placementDoneMillis, (Long) stage.completionTime().get());
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    TaskInfo info = end.taskInfo();
    if (info == null) {
      return;
    }
    peak(info.executorId(), end.taskExecutorMetrics());
    if (!jobStages.contains(end.stageId())) {
      return;
    }
    TaskMetrics metrics = end.taskMetrics();
    if (metrics != null) {
      bytesRead += metrics.inputMetrics().bytesRead();
      shuffleBytesWritten += metrics.shuffleWriteMetrics().bytesWritten();
      shuffleBytesRead += metrics.shuffleReadMetrics().totalBytesRead();
      bytesWritten += metrics.outputMetrics().bytesWritten();
    }
    if (end.stageId() != resultStage
        || !(end.reason() instanceof Success$)
        || finished.containsKey(info.partitionId())) {
      return;
    }
    long rows = 0;
    long rejected = 0;
    for (AccumulableInfo a : CollectionConverters.asJava(info.accumulables())) {
      if (a.name().isEmpty() || a.update().isEmpty()) {
        continue;
      }
      long update = ((Number) a.update().get()).longValue();
      switch (a.name().get()) {
        case LiveCounters.ROWS_IN -> rows = update;
        case LiveCounters.ROWS_REJECTED -> rejected = update;
        case LiveCounters.HEAP_USED -> peak(info.executorId(), update, 0);
        default -> {}
      }
    }
    int shardId = placement.shardOfPartition(info.partitionId());
    finished.put(
        info.partitionId(),
        new Finished(shardId, rows, rejected, info.launchTime(), info.finishTime()));
    rowsDone += rows;
    firstLaunchMillis = Math.min(firstLaunchMillis, info.launchTime());
    if (shardFinished(shardId)) {
      shardsDone.add(shardId);
      line(shardLine(shardId));
    }
    progress(info.finishTime());
  }

  @Override
  public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (ExecutorMetrics m : CollectionConverters.asJava(update.executorUpdates()).values()) {
      peak(update.execId(), m);
    }
    // A heartbeat: a progress line also while long tasks run and none finishes.
    if (intervalMillis > 0
        && !finished.isEmpty()
        && finished.size() < placement.totalPartitions()) {
      progress(System.currentTimeMillis());
    }
  }

  @Override
  public synchronized void onStageExecutorMetrics(SparkListenerStageExecutorMetrics metrics) {
    peak(metrics.execId(), metrics.executorMetrics());
  }

  private void peak(String executorId, ExecutorMetrics m) {
    if (executorId != null && m != null) {
      peak(
          executorId,
          m.getMetricValue("JVMHeapMemory"),
          m.getMetricValue("ProcessTreeJVMRSSMemory"));
    }
  }

  private void peak(String executorId, long heap, long rss) {
    long[] peaks = memory.computeIfAbsent(executorId, k -> new long[2]);
    peaks[0] = Math.max(peaks[0], heap);
    peaks[1] = Math.max(peaks[1], rss);
  }

  private boolean shardFinished(int shardId) {
    int first = placement.firstPartitionOf(shardId);
    for (int part = first; part < first + placement.partitionsOf(shardId); part++) {
      if (!finished.containsKey(part)) {
        return false;
      }
    }
    return true;
  }

  private String shardLine(int shardId) {
    long rows = 0;
    long rejected = 0;
    long from = Long.MAX_VALUE;
    long to = 0;
    int tasks = 0;
    for (Finished f : finished.values()) {
      if (f.shardId() == shardId) {
        rows += f.rows();
        rejected += f.rejected();
        from = Math.min(from, f.launch());
        to = Math.max(to, f.finish());
        tasks++;
      }
    }
    return String.format(
        Locale.ROOT,
        "shard %s done (live): %s, %,.0f rows/s, %s, %s",
        shards.shard(shardId).name(),
        count(rows, "row"),
        perSecond(rows, to - from),
        count(rejected, "error"),
        count(tasks, "task"));
  }

  /** A progress line, at most once per interval (every time when the interval is 0). */
  private void progress(long now) {
    boolean last = finished.size() == placement.totalPartitions();
    if (!last && lastLineMillis != Long.MIN_VALUE && now - lastLineMillis < intervalMillis) {
      return;
    }
    lastLineMillis = now;
    double rate = perSecond(rowsDone, now - firstLaunchMillis);
    long left = Math.max(0, rowsToScore - rowsDone);
    String eta =
        last ? "done" : rate > 0 ? "ETA " + seconds((long) (left * 1000 / rate)) : "ETA unknown";
    int percent = rowsToScore == 0 ? 100 : (int) (rowsDone * 100 / rowsToScore);
    String figures =
        String.format(
            Locale.ROOT,
            "%,d of %,d rows (%d%%), %,.0f rows/s, %s; %d of %d shards, %d of %d tasks",
            rowsDone,
            rowsToScore,
            percent,
            rate,
            eta,
            shardsDone.size(),
            shardsToScore,
            finished.size(),
            placement.totalPartitions());
    if (terminal == null) {
      LOG.info("progress (live): {}", figures);
    } else {
      int filled = Math.min(BAR_WIDTH, percent * BAR_WIDTH / 100);
      bar = "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + figures;
      terminal.print("\r\u001b[K" + bar);
      terminal.flush();
    }
  }

  /** A line of its own: logged, or printed above the bar on a terminal. */
  private void line(String text) {
    if (terminal == null) {
      LOG.info(text);
    } else {
      // Above the bar: the bar is drawn again below the line.
      terminal.print("\r\u001b[K" + text + System.lineSeparator() + bar);
      terminal.flush();
    }
  }

  private static String count(long n, String noun) {
    return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
  }

  private static double perSecond(long rows, long millis) {
    return millis <= 0 ? 0 : rows * 1000.0 / millis;
  }

  private static String seconds(long millis) {
    long s = (millis + 999) / 1000;
    return s < 120 ? s + " s" : s / 60 + " min " + s % 60 + " s";
  }
}

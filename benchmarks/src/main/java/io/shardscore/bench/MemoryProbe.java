package io.shardscore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.Shardscore;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.result.ScoreResult;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.SparkSession;

/**
 * Child JVM with a fixed heap: scores one shard in one partition (one task streams every row) and
 * prints peak heap used, the peak live heap (heap in use right after a full collection, forced
 * twice a second) overall and per Spark stage, and peak process RSS. Arguments: data, model,
 * output, features (comma-separated), and the Parquet row group size in bytes (the open row group
 * is what a scoring task buffers).
 */
public final class MemoryProbe {
  private MemoryProbe() {}

  public static void main(String[] args) throws Exception {
    AtomicLong peakUsed = new AtomicLong();
    AtomicLong peakAfterGc = new AtomicLong();
    AtomicLong peakCommitted = new AtomicLong();
    java.util.concurrent.atomic.AtomicReference<org.apache.spark.SparkContext> context =
        new java.util.concurrent.atomic.AtomicReference<>();
    Map<String, Long> liveByStage = new java.util.concurrent.ConcurrentHashMap<>();
    Thread sampler =
        new Thread(
            () -> {
              int tick = 0;
              while (!Thread.currentThread().isInterrupted()) {
                long used = 0;
                long committed = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                  if (pool.getType() == MemoryType.HEAP) {
                    MemoryUsage u = pool.getUsage();
                    used += u.getUsed();
                    committed += u.getCommitted();
                  }
                }
                peakUsed.accumulateAndGet(used, Math::max);
                peakCommitted.accumulateAndGet(committed, Math::max);
                if (++tick % 25 == 0) {
                  // Every half second: a full collection, then the heap in use is the live set.
                  System.gc();
                  MemoryUsage live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                  peakAfterGc.accumulateAndGet(live.getUsed(), Math::max);
                  org.apache.spark.SparkContext sc = context.get();
                  if (sc != null) {
                    for (int id : sc.statusTracker().getActiveStageIds()) {
                      var info = sc.statusTracker().getStageInfo(id);
                      if (info.isDefined()) {
                        liveByStage.merge(
                            info.get().name() + " (" + info.get().numTasks() + " tasks)",
                            live.getUsed() >> 20,
                            Math::max);
                      }
                    }
                  }
                }
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.setDaemon(true);
    sampler.start();
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("shardscore-bench-memory")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.hadoop.parquet.block.size", args.length > 4 ? args[4] : "134217728")
            .getOrCreate();
    context.set(spark.sparkContext());
    long start = System.nanoTime();
    ScoreResult r =
        Shardscore.job(spark)
            .input(args[0])
            .shardByRanges("customer_id", "MIN-MAX")
            .maxRowsPerPartition(Long.MAX_VALUE / 4)
            .model(args[1], List.of(args[3].split(",")))
            .output(args[2])
            .mode(OutputMode.OVERWRITE)
            .execute();
    double seconds = (System.nanoTime() - start) / 1e9;
    sampler.interrupt();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rows", r.rowsIn());
    out.put("tasks", r.tasks());
    out.put("seconds", seconds);
    out.put("heapMax", Runtime.getRuntime().maxMemory());
    out.put("peakHeapUsed", peakUsed.get());
    out.put("peakHeapAfterGc", peakAfterGc.get());
    out.put("peakRss", vmHwm());
    out.put("peakHeapCommitted", peakCommitted.get());
    out.put("peakLiveMiBByStage", new java.util.TreeMap<>(liveByStage));
    spark.stop();
    System.out.println(new ObjectMapper().writeValueAsString(out));
  }

  /** Peak resident set size of this process, in bytes, from /proc (Linux). */
  private static long vmHwm() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }
}

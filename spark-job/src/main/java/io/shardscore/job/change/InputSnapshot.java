package io.shardscore.job.change;

import io.shardscore.job.commit.InputFile;
import io.shardscore.sharding.KeyRange;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import io.shardscore.sharding.ShardStrategy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * The files of a Parquet input with their identities, key ranges and schemas, read from listings
 * and footers only (no row is read) — or the data files of a table's snapshot with the key bounds
 * its metadata records. It lets an incremental run find the shards whose files did not change
 * without reading them: a shard is unchanged by metadata when the files whose key range overlaps it
 * are the same files, by identity, as at the last commit.
 */
public final class InputSnapshot {
  private final List<InputFile> files;
  private final Map<MessageType, List<String>> schemas;

  public InputSnapshot(List<InputFile> files) {
    this(files, Map.of());
  }

  private InputSnapshot(List<InputFile> files, Map<MessageType, List<String>> schemas) {
    this.files = List.copyOf(files);
    this.schemas = Collections.unmodifiableMap(schemas);
  }

  public List<InputFile> files() {
    return files;
  }

  /**
   * The distinct Parquet schemas of the files' footers, each with the files (relative paths, in
   * order; the empty path when input.path is one file) that have it. Files whose footer could not
   * be read are in none.
   */
  public Map<MessageType, List<String>> schemas() {
    return schemas;
  }

  /** Lists the data files under {@code root} as Spark would and reads their key statistics. */
  public static InputSnapshot take(Configuration conf, Path root, String keyColumn)
      throws IOException {
    FileSystem fs = root.getFileSystem(conf);
    Path qualified = fs.makeQualified(root);
    List<FileStatus> statuses = new ArrayList<>();
    if (fs.getFileStatus(qualified).isFile()) {
      statuses.add(fs.getFileStatus(qualified));
    } else {
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualified, true);
      while (it.hasNext()) {
        LocatedFileStatus s = it.next();
        if (!hidden(qualified, s.getPath())) {
          statuses.add(s);
        }
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, Math.max(1, statuses.size())));
    try {
      List<Future<Footer>> futures = new ArrayList<>();
      for (FileStatus s : statuses) {
        futures.add(pool.submit(() -> read(conf, qualified, s, keyColumn)));
      }
      List<Footer> footers = new ArrayList<>();
      for (Future<Footer> f : futures) {
        footers.add(f.get());
      }
      footers.sort(Comparator.comparing(f -> f.file().path()));
      List<InputFile> out = new ArrayList<>();
      Map<MessageType, List<String>> schemas = new LinkedHashMap<>();
      for (Footer f : footers) {
        out.add(f.file());
        if (f.schema() != null) {
          schemas.computeIfAbsent(f.schema(), k -> new ArrayList<>()).add(f.file().path());
        }
      }
      return new InputSnapshot(out, schemas);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading footers", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(
          "cannot read a Parquet footer: " + e.getCause().getMessage(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Spark skips files and folders whose names start with '_' or '.'. */
  private static boolean hidden(Path root, Path file) {
    String rel = root.toUri().relativize(file.toUri()).getPath();
    for (String part : rel.split("/")) {
      if (part.startsWith("_") || part.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** One file's identity and key range, and its footer's schema (null when unreadable). */
  private record Footer(InputFile file, MessageType schema) {}

  private static Footer read(Configuration conf, Path root, FileStatus s, String key)
      throws IOException {
    String rel = root.toUri().relativize(s.getPath().toUri()).getPath();
    Long min = null;
    Long max = null;
    long nulls = 0;
    boolean complete = true;
    MessageType schema = null;
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(s, conf))) {
      schema = reader.getFooter().getFileMetaData().getSchema();
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        ColumnChunkMetaData chunk = null;
        for (ColumnChunkMetaData c : block.getColumns()) {
          if (c.getPath().size() == 1 && c.getPath().toArray()[0].equals(key)) {
            chunk = c;
          }
        }
        Statistics<?> st = chunk == null ? null : chunk.getStatistics();
        if (chunk != null && !statsAreCodes(chunk)) {
          complete = false;
          break;
        }
        if (st == null || st.isEmpty() || !st.isNumNullsSet()) {
          complete = false;
          break;
        }
        nulls += st.getNumNulls();
        if (st.hasNonNullValue()) {
          long lo = ((Number) st.genericGetMin()).longValue();
          long hi = ((Number) st.genericGetMax()).longValue();
          min = min == null ? lo : Math.min(min, lo);
          max = max == null ? hi : Math.max(max, hi);
        }
      }
    } catch (RuntimeException e) {
      complete = false;
    }
    InputFile file;
    if (!complete) {
      file = new InputFile(rel, s.getLen(), s.getModificationTime(), null, null, -1);
    } else if (min == null) {
      // Only null keys: an empty range that overlaps no key range.
      file = new InputFile(rel, s.getLen(), s.getModificationTime(), 1L, 0L, nulls);
    } else {
      file = new InputFile(rel, s.getLen(), s.getModificationTime(), min, max, nulls);
    }
    return new Footer(file, schema);
  }

  /**
   * True when the chunk's min/max statistics are in the units of the key's long code (see {@link
   * io.shardscore.sharding.KeyType}): plain or integer-annotated INT32/INT64, and dates (days).
   * Timestamps (the unit is the file's, not always micros), decimals (the scale is the file's) and
   * strings are read as files without a key range, which overlap every shard.
   *
   * <p>Dates are codes only from {@link #REBASE_FREE_FROM_DAY} on: days before the Gregorian
   * cutover (1582-10-15) may be stored in the Julian calendar (files Spark wrote in its LEGACY
   * rebase mode, or other writers' files read under {@code
   * spark.sql.parquet.datetimeRebaseModeInRead=LEGACY}), and Spark reads them shifted by days.
   */
  private static boolean statsAreCodes(ColumnChunkMetaData chunk) {
    LogicalTypeAnnotation a = chunk.getPrimitiveType().getLogicalTypeAnnotation();
    PrimitiveType.PrimitiveTypeName t = chunk.getPrimitiveType().getPrimitiveTypeName();
    boolean integer =
        t == PrimitiveType.PrimitiveTypeName.INT32 || t == PrimitiveType.PrimitiveTypeName.INT64;
    if (integer && a instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      Statistics<?> st = chunk.getStatistics();
      return st != null
          && (!st.hasNonNullValue()
              || ((Number) st.genericGetMin()).longValue() >= REBASE_FREE_FROM_DAY);
    }
    return integer
        && (a == null
            || a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.isSigned());
  }

  /**
   * The first epoch day whose stored value is the day Spark reads under every rebase mode:
   * 1583-01-01, a margin after the Gregorian cutover 1582-10-15.
   */
  private static final long REBASE_FREE_FROM_DAY = java.time.LocalDate.of(1583, 1, 1).toEpochDay();

  /** Files that may hold rows of {@code shard}. */
  public List<InputFile> overlapping(ShardPlan plan, Shard shard) {
    List<InputFile> out = new ArrayList<>();
    for (InputFile f : files) {
      if (mayHold(plan, shard, f)) {
        out.add(f);
      }
    }
    return out;
  }

  /**
   * Files that may hold keys no planned shard covers: null keys, or keys outside every range (for
   * hash buckets, only null keys).
   */
  public List<InputFile> mayHoldStrays(ShardPlan plan) {
    List<InputFile> out = new ArrayList<>();
    for (InputFile f : files) {
      if (!f.hasKeyRange()
          || f.keyNulls() != 0
          || (f.keyMin() <= f.keyMax() && !coveredByRanges(plan, f.keyMin(), f.keyMax()))) {
        out.add(f);
      }
    }
    return out;
  }

  private static boolean mayHold(ShardPlan plan, Shard shard, InputFile f) {
    if (!f.hasKeyRange()) {
      return true;
    }
    switch (shard.role()) {
      case NULL_KEY:
        return f.keyNulls() != 0;
      case UNMATCHED:
        return f.keyMin() <= f.keyMax() && !coveredByRanges(plan, f.keyMin(), f.keyMax());
      default:
        if (plan.strategy() instanceof ShardStrategy.Ranges r) {
          KeyRange range = r.ranges().get(shard.id());
          return f.keyMin() <= f.keyMax()
              && f.keyMin() <= range.last()
              && range.first() <= f.keyMax();
        }
        return f.keyMin() <= f.keyMax(); // a hash bucket spans the whole key space
    }
  }

  /** True when every key in [lo, hi] falls in some range of the plan. */
  private static boolean coveredByRanges(ShardPlan plan, long lo, long hi) {
    if (!(plan.strategy() instanceof ShardStrategy.Ranges r)) {
      return false; // value lists and text ranges: any key may be unmatched
    }
    long next = lo;
    for (KeyRange range : r.ranges()) {
      if (range.last() < next) {
        continue;
      }
      if (range.first() > next) {
        return false;
      }
      if (range.last() >= hi) {
        return true;
      }
      next = range.last() + 1;
    }
    return false;
  }

  /** Files of {@code now} that are not, by identity, among {@code before}. */
  public static List<InputFile> notIn(List<InputFile> now, List<InputFile> before) {
    List<InputFile> out = new ArrayList<>();
    for (InputFile f : now) {
      if (before.stream().noneMatch(b -> b.sameIdentity(f))) {
        out.add(f);
      }
    }
    return out;
  }

  /** True when the two lists hold the same files by identity. */
  public static boolean sameFiles(List<InputFile> a, List<InputFile> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).sameIdentity(b.get(i))) {
        return false;
      }
    }
    return true;
  }
}

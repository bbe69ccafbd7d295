package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.job.store.SessionHadoopConf;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Checks of the commit guarantees (docs/commit-protocol.md) on any Hadoop file system: what a
 * manifest-aware reader and a plain Parquet reader see, whether every file a manifest lists exists
 * with its recorded size and CRC32C, and what a run left under {@code _shardscore/staging/} and
 * {@code _shardscore/pending/}. Shared by {@link CrashPointTest} and {@link ConcurrentWritersTest}.
 */
final class CommitChecks {
  static final String KEY = "customer_id";
  static final String STAGING = "_shardscore/staging/";
  static final String PENDING = "_shardscore/pending/";
  private static final double TOLERANCE = 1e-6;
  private static final ObjectMapper JSON = new ObjectMapper();

  private CommitChecks() {}

  /**
   * Committed rows by key, without the provenance columns, and the error rows as sorted {@code
   * key|reason} strings.
   */
  record Rows(Map<Long, Map<String, Object>> scored, List<String> errors) {
    Set<Long> keys() {
      return scored.keySet();
    }
  }

  /** What a manifest-aware reader ({@link Shardscore#read}, {@link Shardscore#readErrors}) sees. */
  static Rows visible(SparkSession spark, String out) {
    return rows(
        Shardscore.read(spark, out), Shardscore.readErrors(spark, out), "visible output of " + out);
  }

  static Rows rows(Dataset<Row> scored, Dataset<Row> errors, String what) {
    Map<Long, Map<String, Object>> byKey = new HashMap<>();
    for (Row r : scored.collectAsList()) {
      Map<String, Object> values = new TreeMap<>();
      for (String f : r.schema().fieldNames()) {
        if (!JobConfigValidator.PROVENANCE_COLUMNS.contains(f)) {
          values.put(f, r.getAs(f));
        }
      }
      Long key = r.getAs(KEY);
      if (byKey.put(key, values) != null) {
        fail(what + ": key " + key + " appears more than once");
      }
    }
    List<String> errorRows = new ArrayList<>();
    if (List.of(errors.columns()).contains(JobConfigValidator.ERROR_REASON_COLUMN)) {
      for (Row r : errors.select(KEY, JobConfigValidator.ERROR_REASON_COLUMN).collectAsList()) {
        errorRows.add(r.get(0) + "|" + r.get(1));
      }
    }
    errorRows.sort(null);
    return new Rows(byKey, errorRows);
  }

  /** Same keys, same non-provenance columns (doubles within 1e-6), same errors with reasons. */
  static void assertSameRows(Rows expected, Rows actual, String what) {
    List<String> problems = new ArrayList<>();
    Set<Long> missing = new TreeSet<>(expected.keys());
    missing.removeAll(actual.keys());
    Set<Long> extra = new TreeSet<>(actual.keys());
    extra.removeAll(expected.keys());
    if (!missing.isEmpty()) {
      problems.add(missing.size() + " keys missing, e.g. " + first(missing));
    }
    if (!extra.isEmpty()) {
      problems.add(extra.size() + " keys not expected, e.g. " + first(extra));
    }
    List<String> differing = new ArrayList<>();
    for (Map.Entry<Long, Map<String, Object>> e : new TreeMap<>(expected.scored()).entrySet()) {
      Map<String, Object> got = actual.scored().get(e.getKey());
      if (got == null) {
        continue;
      }
      if (!got.keySet().equals(e.getValue().keySet())) {
        differing.add("key " + e.getKey() + ": columns " + got.keySet() + " != " + e.getValue());
        continue;
      }
      for (Map.Entry<String, Object> c : e.getValue().entrySet()) {
        if (!close(c.getValue(), got.get(c.getKey()))) {
          differing.add(
              "key "
                  + e.getKey()
                  + " column "
                  + c.getKey()
                  + ": "
                  + got.get(c.getKey())
                  + " != "
                  + c.getValue());
        }
      }
    }
    if (!differing.isEmpty()) {
      problems.add(differing.size() + " differing values, e.g. " + first(differing));
    }
    if (!expected.errors().equals(actual.errors())) {
      List<String> lost = new ArrayList<>(expected.errors());
      lost.removeAll(actual.errors());
      List<String> added = new ArrayList<>(actual.errors());
      added.removeAll(expected.errors());
      problems.add(
          "errors differ: "
              + actual.errors().size()
              + " rows instead of "
              + expected.errors().size()
              + ", missing "
              + first(lost)
              + ", not expected "
              + first(added));
    }
    if (!problems.isEmpty()) {
      fail(what + " differs from the expected rows: " + String.join("; ", problems));
    }
  }

  private static String first(java.util.Collection<?> items) {
    return items.stream().limit(5).toList().toString();
  }

  private static boolean close(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if ((a instanceof Double || a instanceof Float)
        && (b instanceof Double || b instanceof Float)) {
      double x = ((Number) a).doubleValue();
      double y = ((Number) b).doubleValue();
      return (Double.isNaN(x) && Double.isNaN(y)) || Math.abs(x - y) <= TOLERANCE;
    }
    if (a instanceof scala.collection.Seq<?> s && b instanceof scala.collection.Seq<?> t) {
      if (s.length() != t.length()) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        if (!close(s.apply(i), t.apply(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Row r && b instanceof Row q) {
      if (r.size() != q.size()) {
        return false;
      }
      for (int i = 0; i < r.size(); i++) {
        if (!close(r.get(i), q.get(i))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  /**
   * A plain {@code spark.read().parquet(out)} (and of {@code out/_errors}) returns exactly the
   * committed rows: the manifest's counts, no key twice, the manifest-aware reader's keys.
   */
  static void assertPlainReadSeesExactly(SparkSession spark, String out, Manifest m, Rows rows) {
    Dataset<Row> plain = spark.read().parquet(out);
    List<Row> keys = plain.select(KEY).collectAsList();
    Set<Long> distinct = new HashSet<>();
    keys.forEach(r -> distinct.add(r.isNullAt(0) ? null : r.getLong(0)));
    assertEquals(
        m.totalRows(),
        keys.size(),
        "a plain Parquet read of " + out + " sees exactly the rows of version " + m.version());
    assertEquals(keys.size(), distinct.size(), "a plain Parquet read sees no key twice: " + out);
    assertEquals(rows.keys(), distinct, "a plain Parquet read sees the committed keys: " + out);
    assertEquals(
        m.totalErrorRows(),
        spark.read().parquet(out + "/_errors").count(),
        "a plain Parquet read of " + out + "/_errors sees exactly the committed error rows");
  }

  // ---- files ----

  static FileSystem fs(SparkSession spark, String out) {
    try {
      return new Path(out).getFileSystem(SessionHadoopConf.of(spark));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path root(SparkSession spark, String out) {
    return fs(spark, out).makeQualified(new Path(out));
  }

  /** Every file under {@code out}, by path relative to it, with its length. */
  static Map<String, Long> files(SparkSession spark, String out) {
    FileSystem fs = fs(spark, out);
    Path root = root(spark, out);
    Map<String, Long> files = new TreeMap<>();
    try {
      if (!fs.exists(root)) {
        return files;
      }
      String base = root.toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        LocatedFileStatus s = it.next();
        String p = s.getPath().toUri().getPath();
        files.put(p.substring(base.length() + 1), s.getLen());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /**
   * Copies a whole output (a committed version in place) to a fresh location, file by file (an
   * object store's folders are only key prefixes).
   */
  static void copy(SparkSession spark, String from, String to) {
    Configuration conf = SessionHadoopConf.of(spark);
    FileSystem src = fs(spark, from);
    FileSystem dst = fs(spark, to);
    Path fromRoot = root(spark, from);
    Path toRoot = root(spark, to);
    try {
      assertTrue(!dst.exists(toRoot), to + " is fresh");
      for (String f : files(spark, from).keySet()) {
        assertTrue(
            FileUtil.copy(src, new Path(fromRoot, f), dst, new Path(toRoot, f), false, conf), f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Entries directly under {@code _shardscore/staging/} and {@code _shardscore/pending/} (one per
   * attempt: its staging folder, its journal), as paths relative to the output.
   */
  static Set<String> attemptLeftovers(SparkSession spark, String out) {
    Set<String> entries = new TreeSet<>();
    for (String f : files(spark, out).keySet()) {
      for (String prefix : List.of(STAGING, PENDING)) {
        if (f.startsWith(prefix)) {
          String rest = f.substring(prefix.length());
          int slash = rest.indexOf('/');
          entries.add(prefix + (slash < 0 ? rest : rest.substring(0, slash)));
        }
      }
    }
    return entries;
  }

  /**
   * Every file of {@code before} outside the attempts' staging and journals still exists, with the
   * same length (run reports excepted, which a later run of the same run id may rewrite).
   */
  static void assertNothingDeleted(Map<String, Long> before, Map<String, Long> after, String why) {
    List<String> gone = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    before.forEach(
        (path, len) -> {
          if (path.startsWith(STAGING) || path.startsWith(PENDING)) {
            return;
          }
          if (!after.containsKey(path)) {
            gone.add(path);
          } else if (!after.get(path).equals(len) && !path.startsWith("_shardscore/reports/")) {
            changed.add(path + " (" + len + " -> " + after.get(path) + " bytes)");
          }
        });
    assertTrue(
        gone.isEmpty() && changed.isEmpty(),
        why
            + ": files of the previous commit were deleted ("
            + gone.size()
            + " of "
            + before.size()
            + ": "
            + gone
            + ") or changed ("
            + changed
            + ")");
  }

  /** The versioned manifest file {@code v<N>.json} as JSON, with every field the store wrote. */
  static JsonNode manifestJson(SparkSession spark, String out, long version) {
    Path p =
        new Path(
            root(spark, out),
            String.format(Locale.ROOT, "_shardscore/manifests/v%010d.json", version));
    try (InputStream in = fs(spark, out).open(p)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** State 1 of the protocol: {@code manifest.json} is a copy of the newest version. */
  static void assertPointerIsNewest(SparkSession spark, String out, Manifest m) {
    Path pointer = new Path(root(spark, out), "_shardscore/manifest.json");
    JsonNode copy;
    try (InputStream in = fs(spark, out).open(pointer)) {
      copy = JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertEquals(
        manifestJson(spark, out, m.version()),
        copy,
        "_shardscore/manifest.json is a copy of version " + m.version() + " of " + out);
  }

  /**
   * Every file {@code m} lists exists with its recorded size and CRC32C: at its final path, or,
   * when {@code rollingForward}, possibly still at the staged location the manifest's {@code moves}
   * name.
   */
  static void assertListedFilesIntact(
      SparkSession spark, String out, Manifest m, boolean rollingForward, String why) {
    FileSystem fs = fs(spark, out);
    Path root = root(spark, out);
    List<String> problems = new ArrayList<>();
    for (Manifest.ShardEntry s : m.shards()) {
      List<Manifest.FileEntry> all = new ArrayList<>(s.files());
      all.addAll(s.errorFiles());
      for (Manifest.FileEntry f : all) {
        try {
          Path at = new Path(root, f.path());
          if (!fs.exists(at) && rollingForward) {
            Optional<Path> staged = stagedLocation(m, f.path());
            if (staged.isPresent()) {
              at = staged.get();
            }
          }
          if (!fs.exists(at)) {
            problems.add(
                f.path()
                    + " is missing"
                    + (rollingForward ? " (at its final path and at its staged location)" : ""));
            continue;
          }
          FileStatus st = fs.getFileStatus(at);
          if (st.getLen() != f.bytes()) {
            problems.add(at + " has " + st.getLen() + " bytes, the manifest says " + f.bytes());
          }
          String crc = crc32c(fs, at);
          if (!crc.equals(f.crc32c())) {
            problems.add(at + " has CRC32C " + crc + ", the manifest says " + f.crc32c());
          }
        } catch (IOException e) {
          problems.add(f.path() + ": " + e);
        }
      }
    }
    assertTrue(
        problems.isEmpty(),
        why
            + ": version "
            + m.version()
            + " of "
            + out
            + " lists files that are not intact: "
            + problems);
  }

  /**
   * Where a listed file of a version still rolling forward lies before its move: the staged path
   * the manifest's {@code moves} pair with {@code finalPath}.
   */
  static Optional<Path> stagedLocation(Manifest m, String finalPath) {
    return m.moves().stream()
        .filter(move -> move.to().equals(finalPath))
        .map(move -> new Path(move.from()))
        .findFirst();
  }

  static String crc32c(FileSystem fs, Path p) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = fs.open(p)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        crc.update(buf, 0, n);
      }
    }
    return String.format(Locale.ROOT, "%08x", crc.getValue());
  }

  // ---- faults ----

  /** Runs {@code body} with {@code shardscore.fault} set to {@code point}, restoring it after. */
  static Throwable crashAt(String point, Runnable body) {
    String previous = System.getProperty(FaultInjection.PROPERTY);
    System.setProperty(FaultInjection.PROPERTY, point);
    try {
      body.run();
    } catch (Throwable t) {
      return t;
    } finally {
      if (previous == null) {
        System.clearProperty(FaultInjection.PROPERTY);
      } else {
        System.setProperty(FaultInjection.PROPERTY, previous);
      }
    }
    return null;
  }

  /** The messages of {@code t} and its causes, for checks and reports. */
  static String messages(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (b.length() > 0) {
        b.append(" <- ");
      }
      b.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return b.toString();
  }
}

package io.shardscore.job.commit;

import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * Every path under an output root, named once (docs/commit-protocol.md draws the same tree):
 *
 * <pre>
 * shard=NAME/part-….parquet                 committed scored rows
 * _errors/shard=NAME/part-….parquet         committed unscorable rows
 * _shardscore/manifests/vNNNNNNNNNN.json    one per version: creating it is the commit
 * _shardscore/manifest.json                 the newest version whose files are in place
 * _shardscore/reports/RUN.COMMIT.json       the run report of each commit
 * _shardscore/pending/RUN.ATTEMPT.json      journal of an attempt that has not committed
 * _shardscore/staging/RUN.ATTEMPT/          that attempt's staged files, and _done/ markers
 * _shardscore/cleaned-through               how far superseded files have been removed
 * </pre>
 */
public record OutputPaths(Path root) {
  public static final String META_DIR = "_shardscore";
  public static final String ERRORS_DIR = "_errors";
  public static final String DONE_DIR = "_done";
  private static final String SHARD_PREFIX = "shard=";

  public Path meta() {
    return new Path(root, META_DIR);
  }

  public Path manifests() {
    return new Path(meta(), "manifests");
  }

  public Path manifestVersion(long version) {
    return new Path(manifests(), versionFileName(version));
  }

  /** {@code vNNNNNNNNNN.json}: ten digits, so names sort by version. */
  public static String versionFileName(long version) {
    return String.format(Locale.ROOT, "v%010d.json", version);
  }

  public Path pointer() {
    return new Path(meta(), "manifest.json");
  }

  public Path reports() {
    return new Path(meta(), "reports");
  }

  public Path pending() {
    return new Path(meta(), "pending");
  }

  public Path staging() {
    return new Path(meta(), "staging");
  }

  /** Where one attempt of a run stages its files until the commit moves them. */
  public Path staging(String runId, String attemptId) {
    return new Path(staging(), runId + "." + attemptId);
  }

  public Path cleanedThrough() {
    return new Path(meta(), "cleaned-through");
  }

  public Path errors() {
    return new Path(root, ERRORS_DIR);
  }

  /** The folder of a shard's files, relative to the root (or to {@code _errors}). */
  public static String shardFolder(String shardName) {
    return SHARD_PREFIX + shardName;
  }

  /** True for a {@code shard=} folder name. */
  public static boolean isShardFolder(String name) {
    return name.startsWith(SHARD_PREFIX);
  }

  /** A scored-rows file of a shard, relative to the root. */
  public static String dataFile(String shardName, String fileName) {
    return shardFolder(shardName) + "/" + fileName;
  }

  /** An unscorable-rows file of a shard, relative to the root. */
  public static String errorFile(String shardName, String fileName) {
    return ERRORS_DIR + "/" + shardFolder(shardName) + "/" + fileName;
  }
}

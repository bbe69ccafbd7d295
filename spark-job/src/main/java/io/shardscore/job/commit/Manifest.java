package io.shardscore.job.commit;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The truth about an output: which files are live, what plan and model produced them, and where
 * this version sits in the output's history. Writing it is the commit; a file not listed here is
 * not part of the output.
 *
 * @param format manifest format version, {@link #FORMAT}
 * @param version this commit's number, 1 for the first
 * @param parentVersion the version this commit replaced, null for the first
 * @param storeId identifies the output's history across copies (kept by every commit)
 * @param settingsDigest digest of the settings that change predictions or the output schema
 * @param input the input files and their key ranges, or null
 */
public record Manifest(
    int format,
    long version,
    Long parentVersion,
    String storeId,
    String runId,
    String committedAt,
    String mode,
    ModelEntry model,
    PlanEntry plan,
    String settingsDigest,
    List<ShardEntry> shards,
    InputEntry input) {
  public static final int FORMAT = 1;

  /**
   * The input files this commit was made from, for the metadata fast path of the next incremental
   * run; null when the input was a Dataset rather than Parquet files.
   */
  public record InputEntry(String root, List<io.shardscore.job.change.InputFile> files) {}

  public Manifest {
    shards = List.copyOf(shards);
  }

  /** The model that produced the live files. */
  /**
   * The model, and the devices this commit's tasks ran it on ({@code executor N: gpu A -> device},
   * null in manifests written before devices were recorded).
   */
  public record ModelEntry(String location, String engine, String digest, List<String> devices) {}

  /** The shard plan, stored so that later runs can reuse it. */
  public record PlanEntry(
      String key,
      String strategy,
      String origin,
      String unmatched,
      String nullKeys,
      List<PlannedShard> shards) {}

  /** One planned shard; {@code first}/{@code last} for ranges, {@code bucket} for hash plans. */
  public record PlannedShard(
      int id,
      String name,
      String role,
      String covers,
      Long first,
      Long last,
      Integer bucket,
      String rejectReason) {}

  /**
   * One shard's committed state and what produced it: the fingerprint of its input, the model and
   * the prediction settings, and the run that scored it (earlier than the manifest's run when an
   * incremental run kept the shard).
   */
  public record ShardEntry(
      int id,
      String name,
      long rows,
      long errorRows,
      List<FileEntry> files,
      List<FileEntry> errorFiles,
      String fingerprint,
      String modelDigest,
      String settingsDigest,
      String scoredBy) {

    /** The same committed shard under another id (plans may renumber shards). */
    public ShardEntry withId(int newId) {
      return new ShardEntry(
          newId,
          name,
          rows,
          errorRows,
          files,
          errorFiles,
          fingerprint,
          modelDigest,
          settingsDigest,
          scoredBy);
    }
  }

  /** A live file, relative to the output root, with shardscore's own checksum. */
  public record FileEntry(String path, long rows, long bytes, String crc32c) {}

  /** Paths of every live file, data and errors. */
  public Set<String> liveFiles() {
    Set<String> live = new HashSet<>();
    for (ShardEntry s : shards) {
      s.files().forEach(f -> live.add(f.path()));
      s.errorFiles().forEach(f -> live.add(f.path()));
    }
    return live;
  }

  public long totalRows() {
    return shards.stream().mapToLong(ShardEntry::rows).sum();
  }

  public long totalErrorRows() {
    return shards.stream().mapToLong(ShardEntry::errorRows).sum();
  }
}

package io.shardscore.job.commit;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * @param runId the run's label (not unique: retries and backfills reuse it)
 * @param commitId the attempt that committed this version (unique); null in format-1 manifests
 * @param settingsDigest digest of the settings that change predictions or the output schema
 * @param input the input files and their key ranges, or null
 * @param moves where this commit's new files were staged, for the roll-forward after the commit
 * @param supersedes files the parent version listed and this one does not: deleted once {@code
 *     retainUntilMillis} has passed (see docs/commit-protocol.md, "Who may delete what")
 * @param retainUntilMillis when the superseded files may be deleted (epoch millis)
 * @param origin the commit of another store whose shards this commit copied under a version of its
 *     own (a forced sync, or a sync that could not keep the source's version number); null when
 *     this commit is its own content or a copy under the same version (see {@link #contentCommit})
 */
public record Manifest(
    int format,
    long version,
    Long parentVersion,
    String storeId,
    String runId,
    String commitId,
    String committedAt,
    String mode,
    ModelEntry model,
    PlanEntry plan,
    String settingsDigest,
    List<ShardEntry> shards,
    InputEntry input,
    List<Move> moves,
    List<String> supersedes,
    long retainUntilMillis,
    Origin origin) {
  public static final int FORMAT = 2;

  /** A manifest without an {@link #origin}: what a run commits. */
  public Manifest(
      int format,
      long version,
      Long parentVersion,
      String storeId,
      String runId,
      String commitId,
      String committedAt,
      String mode,
      ModelEntry model,
      PlanEntry plan,
      String settingsDigest,
      List<ShardEntry> shards,
      InputEntry input,
      List<Move> moves,
      List<String> supersedes,
      long retainUntilMillis) {
    this(
        format,
        version,
        parentVersion,
        storeId,
        runId,
        commitId,
        committedAt,
        mode,
        model,
        plan,
        settingsDigest,
        shards,
        input,
        moves,
        supersedes,
        retainUntilMillis,
        null);
  }

  /**
   * A commit identified across stores: the store id, version and commit key of the manifest that
   * first committed some content (see {@link Manifest#contentCommit}).
   */
  public record Origin(String storeId, long version, String commitKey) {
    /** True when {@code m} is this commit (same version and commit key). */
    public boolean is(Manifest m) {
      return m != null && m.version() == version && m.commitKey().equals(commitKey);
    }

    /** True when {@code o} names the same commit (the store id is informative only). */
    public boolean sameCommit(Origin o) {
      return o != null && o.version == version && commitKey.equals(o.commitKey);
    }
  }

  /**
   * The input this commit was made from: the Parquet files, for the metadata fast path of the next
   * incremental run, or the table and the snapshot read; null when the input was a Dataset or files
   * in another format.
   *
   * @param root the qualified input path, or for a table input its name
   * @param options the reader options the files were read with; null in manifests written before
   *     options were recorded (read as none)
   * @param version for a table input, the snapshot/version read; null for files, or when the table
   *     does not say which snapshot is current
   * @param where for a table input, the {@code input.where} filter the rows were read with; null
   *     when none (and in manifests written before it was recorded)
   */
  public record InputEntry(
      String root,
      List<io.shardscore.job.commit.InputFile> files,
      Map<String, String> options,
      String version,
      String where) {
    /** An input read without a filter. */
    public InputEntry(
        String root,
        List<io.shardscore.job.commit.InputFile> files,
        Map<String, String> options,
        String version) {
      this(root, files, options, version, null);
    }

    /** The options, none when the manifest predates them. */
    public Map<String, String> readOptions() {
      return options == null ? Map.of() : options;
    }
  }

  public Manifest {
    shards = List.copyOf(shards);
    moves = moves == null ? List.of() : List.copyOf(moves);
    supersedes = supersedes == null ? List.of() : List.copyOf(supersedes);
  }

  /**
   * What identifies this commit across stores and readers: the commit id, or for manifests written
   * before commit ids existed, the version and run id.
   */
  public String commitKey() {
    return commitId != null ? commitId : "v" + version + "/" + runId;
  }

  /** True when {@code other} is the same commit (same version and commit key). */
  public boolean sameCommit(Manifest other) {
    return other != null && version == other.version && commitKey().equals(other.commitKey());
  }

  /**
   * The commit that first committed this manifest's shards: {@link #origin} when this commit copied
   * them from another store under a version of its own, else this commit itself.
   */
  public Origin contentCommit() {
    return origin != null ? origin : new Origin(storeId, version, commitKey());
  }

  /**
   * True when {@code other} holds the same committed shards as this manifest by lineage: it is the
   * same commit, or one of the two copied the other's content, or both copied the same commit.
   */
  public boolean sameContent(Manifest other) {
    if (other == null) {
      return false;
    }
    return sameCommit(other)
        || contentCommit().is(other)
        || other.contentCommit().is(this)
        || contentCommit().sameCommit(other.contentCommit());
  }

  /**
   * The same commit as another store sees it: its own staged locations and what it supersedes there
   * (sync).
   */
  public Manifest onTarget(List<Move> newMoves, List<String> newSupersedes, long retainUntil) {
    return new Manifest(
        format,
        version,
        parentVersion,
        storeId,
        runId,
        commitId,
        committedAt,
        mode,
        model,
        plan,
        settingsDigest,
        shards,
        input,
        newMoves,
        newSupersedes,
        retainUntil,
        origin);
  }

  /**
   * A file this commit added, staged at {@code from} (absolute) and live at {@code to} (relative to
   * the output root) once rolled forward.
   */
  public record Move(String from, String to) {}

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
      List<PlannedShard> shards,
      String keyType) {
    /** A plan of an integral key, as every plan was before key types: no {@code keyType}. */
    public PlanEntry(
        String key,
        String strategy,
        String origin,
        String unmatched,
        String nullKeys,
        List<PlannedShard> shards) {
      this(key, strategy, origin, unmatched, nullKeys, shards, null);
    }
  }

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
   * the shard's identity (prediction settings, stray-key policies, role), and the run that scored
   * it (earlier than the manifest's run when an incremental run kept the shard).
   *
   * @param settingsDigest digest of everything besides the model and the rows that decides this
   *     shard's output (see the run's shard identity)
   * @param fingerprintColumns digest of the exact column set {@code fingerprint} was taken over
   * @param inputFiles the input files (by identity) that could hold this shard's rows when its
   *     fingerprint was taken, for the metadata fast path; null when unknown
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
      String scoredBy,
      String fingerprintColumns,
      List<io.shardscore.job.commit.InputFile> inputFiles) {

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
          scoredBy,
          fingerprintColumns,
          inputFiles);
    }
  }

  /** A live file, relative to the output root, with shardscore's own checksum. */
  public record FileEntry(String path, long rows, long bytes, String crc32c) {}

  /** Every live file entry, data and errors. */
  public List<FileEntry> allFiles() {
    List<FileEntry> all = new java.util.ArrayList<>();
    for (ShardEntry s : shards) {
      all.addAll(s.files());
      all.addAll(s.errorFiles());
    }
    return all;
  }

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

package io.shardscore.job.sync;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.store.FaultInjection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The copy step of a sync: the files of every source shard whose manifest entry differs from the
 * target's are copied into the attempt's staging folder ({@link SyncFiles#copyVerified}), except
 * those the target's newest version already lists, or keeps for an older version's readers, with
 * the same content. Nothing visible on the target changes.
 */
final class ShardCopy {
  /**
   * What the copy did.
   *
   * @param shards names of the shards whose files were copied
   * @param moves where each copied file is staged and its path in the output
   * @param files files copied
   * @param bytes bytes copied
   * @param skipped files already on the target with the content the source lists
   */
  record Result(
      List<String> shards, List<Manifest.Move> moves, int files, long bytes, int skipped) {}

  private final FileSystem src;
  private final Path srcRoot;
  private final FileSystem dst;
  private final Path dstRoot;
  private final Path staging;

  ShardCopy(FileSystem src, Path srcRoot, FileSystem dst, Path dstRoot, Path staging) {
    this.src = src;
    this.srcRoot = srcRoot;
    this.dst = dst;
    this.dstRoot = dstRoot;
    this.staging = staging;
  }

  /**
   * Copies the shards of {@code source} that {@code current} (the target's newest version) does not
   * hold as they are.
   *
   * @param visibleNow what the target shows, for error messages
   */
  Result copy(Manifest source, Optional<Manifest> current, String visibleNow) throws IOException {
    Map<String, Manifest.ShardEntry> there = shardsOf(current);
    Map<String, Manifest.FileEntry> live = new HashMap<>();
    current.ifPresent(
        t ->
            t.shards()
                .forEach(
                    s -> {
                      s.files().forEach(f -> live.put(f.path(), f));
                      s.errorFiles().forEach(f -> live.put(f.path(), f));
                    }));
    List<String> copiedShards = new ArrayList<>();
    List<Manifest.Move> moves = new ArrayList<>();
    int copied = 0;
    int skipped = 0;
    long bytes = 0;
    for (Manifest.ShardEntry s : source.shards()) {
      Manifest.ShardEntry t = there.get(s.name());
      if (t != null && Lineage.sameFiles(t, s)) {
        continue;
      }
      copiedShards.add(s.name());
      List<Manifest.FileEntry> shardFiles = new ArrayList<>(s.files());
      shardFiles.addAll(s.errorFiles());
      for (Manifest.FileEntry f : shardFiles) {
        Manifest.FileEntry listed = live.get(f.path());
        if (listed != null) {
          if (!listed.crc32c().equals(f.crc32c())) {
            throw new SyncException(
                "Target file "
                    + f.path()
                    + " is listed by the target's version with CRC32C "
                    + listed.crc32c()
                    + ", the source lists it with "
                    + f.crc32c()
                    + "; refusing to overwrite it. Nothing was committed on the target, which"
                    + " still shows "
                    + visibleNow
                    + ". File names are never reused, so one of the two stores was changed"
                    + " outside shardscore: restore it, or sync into an empty folder.");
          }
          skipped++;
          continue;
        }
        Path finalPath = new Path(dstRoot, f.path());
        if (dst.exists(finalPath)) {
          // Not listed by the target's newest version, but kept for an older one's readers.
          if (!SyncFiles.contentOf(dst, finalPath).matches(f)) {
            throw new SyncException(
                "Target file "
                    + finalPath
                    + " exists with other content than the source's manifest records, and the"
                    + " target's newest version does not list it; refusing to overwrite it."
                    + " Nothing was committed on the target, which still shows "
                    + visibleNow
                    + ". It was changed outside shardscore: remove it, then rerun the sync.");
          }
          skipped++;
          continue;
        }
        Path staged = new Path(staging, f.path());
        bytes +=
            SyncFiles.copyVerified(src, new Path(srcRoot, f.path()), dst, staged, f, visibleNow);
        moves.add(new Manifest.Move(staged.toString(), f.path()));
        copied++;
        FaultInjection.check(FaultInjection.SYNC_AFTER_FILES, copied);
      }
    }
    return new Result(copiedShards, moves, copied, bytes, skipped);
  }

  /** The shards of the target's newest version, by name; empty when it has none. */
  static Map<String, Manifest.ShardEntry> shardsOf(Optional<Manifest> current) {
    Map<String, Manifest.ShardEntry> there = new HashMap<>();
    current.ifPresent(t -> t.shards().forEach(s -> there.put(s.name(), s)));
    return there;
  }
}

package io.shardscore.job.sync;

import io.shardscore.job.commit.CommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.store.FaultInjection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Copies a committed output from one store to another ({@code file:}, {@code hdfs:}, {@code s3a:}
 * in any direction), moving only the shards whose manifest entries differ. Every copied file is
 * verified against the CRC32C the manifest recorded at commit (Hadoop's own checksums differ
 * between stores); files the target's manifest references are never overwritten; the target's
 * manifest is written last, so a sync that stops midway leaves the target's previous commit valid.
 * Sync only fast-forwards: if both sides committed since their common version it stops and names
 * the shards, unless forced to make the target a copy of the source.
 */
public final class StoreSync {
  private static final Logger LOG = LogManager.getLogger(StoreSync.class);

  private final Configuration conf;

  public StoreSync(Configuration conf) {
    this.conf = conf;
  }

  public SyncResult sync(String from, String to, boolean force) {
    Path srcRoot = new Path(from);
    Path dstRoot = new Path(to);
    try {
      FileSystem src = srcRoot.getFileSystem(conf);
      FileSystem dst = dstRoot.getFileSystem(conf);
      srcRoot = src.makeQualified(srcRoot);
      dstRoot = dst.makeQualified(dstRoot);
      if (srcRoot.equals(dstRoot)) {
        throw new SyncException("--from and --to are the same output " + srcRoot + ".");
      }
      ManifestStore srcStore = new ManifestStore(src, srcRoot);
      ManifestStore dstStore = new ManifestStore(dst, dstRoot);
      Manifest source =
          srcStore
              .current()
              .orElseThrow(
                  () ->
                      new SyncException(
                          "--from "
                              + from
                              + " has no committed shardscore manifest; sync copies committed"
                              + " outputs only."));
      Optional<Manifest> target = dstStore.current();
      if (target.isEmpty()
          && dst.exists(dstRoot)
          && dst.listStatus(dstRoot).length > 0
          && !dst.exists(dstStore.metaDir())) {
        throw new SyncException(
            "--to " + to + " is not empty and is not a shardscore output; choose an empty folder.");
      }
      long previousVersion = target.map(Manifest::version).orElse(-1L);
      if (target.isPresent()) {
        Manifest t = target.get();
        if (t.version() == source.version() && t.runId().equals(source.runId())) {
          return new SyncResult(
              source.version(), previousVersion, true, List.of(), 0, 0, 0, List.of());
        }
        checkLineage(srcStore, dstStore, source, t, force, dst, dstRoot);
      }
      return copy(src, srcRoot, srcStore, dst, dstRoot, dstStore, source, target, previousVersion);
    } catch (IOException e) {
      throw new SyncException(
          "Sync from "
              + from
              + " to "
              + to
              + " failed: "
              + e.getMessage()
              + ". The target still shows its previous commit; rerun the sync.",
          e);
    }
  }

  private void checkLineage(
      ManifestStore srcStore,
      ManifestStore dstStore,
      Manifest source,
      Manifest target,
      boolean force,
      FileSystem dst,
      Path dstRoot)
      throws IOException {
    if (!target.storeId().equals(source.storeId()) && !force) {
      throw new SyncException(
          "The target's history (store id "
              + target.storeId()
              + ") is not the source's ("
              + source.storeId()
              + "): they are different outputs. Use --force to replace the target with the"
              + " source.");
    }
    Optional<Manifest> sameOnSource = srcStore.version(target.version());
    boolean fastForward =
        sameOnSource.isPresent()
            && sameOnSource.get().runId().equals(target.runId())
            && source.version() > target.version();
    if (fastForward) {
      return;
    }
    Optional<Manifest> sourceOnTarget = dstStore.version(source.version());
    if (sourceOnTarget.isPresent()
        && sourceOnTarget.get().runId().equals(source.runId())
        && !force) {
      throw new SyncException(
          "The target is ahead of the source: it holds version "
              + target.version()
              + ", which includes the source's version "
              + source.version()
              + ". Sync the other way (swap --from and --to), or use --force to roll the target"
              + " back.");
    }
    if (force) {
      // Keep the diverged history for audit, out of the way of the source's versions.
      setAside(dst, dstStore, "diverged-" + UUID.randomUUID().toString().substring(0, 8));
      return;
    }
    long common = commonVersion(srcStore, dstStore, Math.min(source.version(), target.version()));
    Manifest base = common < 0 ? null : srcStore.version(common).orElse(null);
    throw new SyncException(
        "Both sides committed since their common version "
            + (common < 0 ? "(none)" : common)
            + ": the source changed shards "
            + changedShards(base, source)
            + " (now version "
            + source.version()
            + ", run "
            + source.runId()
            + "), the target changed shards "
            + changedShards(base, target)
            + " (now version "
            + target.version()
            + ", run "
            + target.runId()
            + "). Nothing was copied. Use --force to make the target a copy of the source.");
  }

  private static void setAside(FileSystem fs, ManifestStore store, String label)
      throws IOException {
    Path versions = new Path(store.metaDir(), "manifests");
    if (fs.exists(versions)) {
      Path aside = new Path(store.metaDir(), "manifests-" + label);
      if (!fs.rename(versions, aside)) {
        throw new IOException("could not move " + versions + " to " + aside);
      }
    }
  }

  private static long commonVersion(ManifestStore a, ManifestStore b, long from) {
    for (long v = from; v >= 1; v--) {
      Optional<Manifest> x = a.version(v);
      Optional<Manifest> y = b.version(v);
      if (x.isPresent() && y.isPresent() && x.get().runId().equals(y.get().runId())) {
        return v;
      }
    }
    return -1;
  }

  private static List<String> changedShards(Manifest base, Manifest now) {
    Map<String, Manifest.ShardEntry> before = new HashMap<>();
    if (base != null) {
      base.shards().forEach(s -> before.put(s.name(), s));
    }
    List<String> changed = new ArrayList<>();
    for (Manifest.ShardEntry s : now.shards()) {
      Manifest.ShardEntry b = before.remove(s.name());
      if (b == null || !sameFiles(b, s)) {
        changed.add(s.name());
      }
    }
    before.keySet().forEach(n -> changed.add(n + " (deleted)"));
    return changed;
  }

  private static boolean sameFiles(Manifest.ShardEntry a, Manifest.ShardEntry b) {
    return Objects.equals(a.files(), b.files()) && Objects.equals(a.errorFiles(), b.errorFiles());
  }

  private SyncResult copy(
      FileSystem src,
      Path srcRoot,
      ManifestStore srcStore,
      FileSystem dst,
      Path dstRoot,
      ManifestStore dstStore,
      Manifest source,
      Optional<Manifest> target,
      long previousVersion)
      throws IOException {
    Map<String, Manifest.ShardEntry> there = new HashMap<>();
    Map<String, String> referenced = new HashMap<>();
    target.ifPresent(
        t ->
            t.shards()
                .forEach(
                    s -> {
                      there.put(s.name(), s);
                      s.files().forEach(f -> referenced.put(f.path(), f.crc32c()));
                      s.errorFiles().forEach(f -> referenced.put(f.path(), f.crc32c()));
                    }));
    // Mark the target as shardscore's before the first byte, so an interrupted sync can resume.
    dst.mkdirs(dstStore.metaDir());
    List<String> copiedShards = new ArrayList<>();
    int copied = 0;
    int skipped = 0;
    long bytes = 0;
    String syncId = UUID.randomUUID().toString().substring(0, 8);
    for (Manifest.ShardEntry s : source.shards()) {
      Manifest.ShardEntry t = there.get(s.name());
      if (t != null && sameFiles(t, s)) {
        continue;
      }
      copiedShards.add(s.name());
      List<Manifest.FileEntry> files = new ArrayList<>(s.files());
      files.addAll(s.errorFiles());
      for (Manifest.FileEntry f : files) {
        if (f.crc32c().equals(referenced.get(f.path()))) {
          skipped++;
          continue;
        }
        if (referenced.containsKey(f.path())) {
          throw new SyncException(
              "Target file "
                  + f.path()
                  + " is referenced by the target's manifest with other content; refusing to"
                  + " overwrite it.");
        }
        bytes +=
            copyVerified(
                src, new Path(srcRoot, f.path()), dst, new Path(dstRoot, f.path()), f, syncId);
        copied++;
        FaultInjection.check(FaultInjection.SYNC_AFTER_FILES, copied);
      }
    }
    // History first (for later lineage checks), then the newest version: the commit point.
    for (long v = 1; v < source.version(); v++) {
      Optional<Manifest> m = srcStore.version(v);
      if (m.isPresent() && dstStore.version(v).isEmpty()) {
        dstStore.writeHistory(m.get());
      }
    }
    try {
      dstStore.commit(source);
    } catch (CommitException e) {
      throw new SyncException(
          "Another writer committed to " + dstRoot + " during the sync; rerun it.", e);
    }
    Set<String> live = source.liveFiles();
    List<String> deleted = new ArrayList<>();
    Set<String> names = new HashSet<>();
    source.shards().forEach(s -> names.add(s.name()));
    there.keySet().stream().filter(n -> !names.contains(n)).forEach(deleted::add);
    new ShardCommitter(dst, dstRoot).afterCommit(source, List.of());
    LOG.info(
        "Synced {} version {} to {}: {} shards, {} files, {} bytes copied; {} files already there;"
            + " {} shards deleted",
        srcRoot,
        source.version(),
        dstRoot,
        copiedShards.size(),
        copied,
        bytes,
        skipped,
        deleted.size());
    return new SyncResult(
        source.version(), previousVersion, false, copiedShards, copied, bytes, skipped, deleted);
  }

  /** Copies one file through a temporary name, verifying its CRC32C before it takes its name. */
  private static long copyVerified(
      FileSystem src, Path from, FileSystem dst, Path to, Manifest.FileEntry entry, String syncId)
      throws IOException {
    Path tmp = new Path(to.getParent(), "." + to.getName() + ".sync-" + syncId + ".tmp");
    dst.mkdirs(to.getParent());
    CRC32C crc = new CRC32C();
    long length = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = src.open(from);
        OutputStream out = dst.create(tmp, true)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
        crc.update(buf, 0, n);
        length += n;
      }
    }
    String actual = String.format(Locale.ROOT, "%08x", crc.getValue());
    if (!actual.equals(entry.crc32c()) || length != entry.bytes()) {
      dst.delete(tmp, false);
      throw new SyncException(
          "Checksum mismatch for "
              + from
              + ": the manifest recorded CRC32C "
              + entry.crc32c()
              + " and "
              + entry.bytes()
              + " bytes, the copy has "
              + actual
              + " and "
              + length
              + ". The source file was changed or damaged after its commit; nothing was"
              + " committed on the target.");
    }
    if (dst.exists(to)) {
      dst.delete(to, false); // an unreferenced leftover of an earlier, interrupted sync
    }
    if (!dst.rename(tmp, to)) {
      throw new IOException("could not rename " + tmp + " to " + to);
    }
    return length;
  }
}

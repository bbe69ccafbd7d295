package io.shardscore.job.sync;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides what a sync may do from the two sides' manifest histories, by commit key (never by run
 * id: run ids are labels and may repeat). Two manifests hold the same content when they are the
 * same commit, or one copied the other's shards, or both copied the same commit ({@link
 * Manifest#sameContent}). The target may be fast-forwarded when its newest version holds the
 * content of a version in the source's history.
 */
final class Lineage {
  /** What the sync does on the target. */
  enum Kind {
    /** The target already holds the source's newest content: nothing to copy. */
    UP_TO_DATE,
    /** Commit the source's newest manifest on the target under the source's version number. */
    SAME_VERSION,
    /**
     * Commit the source's shards as the target's next version, recording the source's commit as the
     * new version's {@link Manifest#origin}: a forced sync, or a fast-forward whose source version
     * number the target has already used.
     */
    NEXT_VERSION
  }

  record Decision(Kind kind, boolean forced) {}

  private final ManifestStore src;
  private final ManifestStore dst;

  Lineage(ManifestStore src, ManifestStore dst) {
    this.src = src;
    this.dst = dst;
  }

  Decision decide(Manifest source, Optional<Manifest> current, boolean force, String to) {
    if (current.isEmpty()) {
      return new Decision(Kind.SAME_VERSION, false);
    }
    Manifest target = current.get();
    if (target.sameContent(source)) {
      return new Decision(Kind.UP_TO_DATE, false);
    }
    boolean sameOutput = Objects.equals(target.storeId(), source.storeId());
    if (sameOutput && basis(source, target).isPresent()) {
      return new Decision(
          source.version() > target.version() ? Kind.SAME_VERSION : Kind.NEXT_VERSION, false);
    }
    if (force) {
      return new Decision(Kind.NEXT_VERSION, true);
    }
    String visible =
        " Nothing was copied; "
            + to
            + " still shows its version "
            + target.version()
            + " (run "
            + target.runId()
            + ", commit "
            + target.commitKey()
            + ").";
    String forceHint =
        " Use --force to commit the source's shards on the target as its new version "
            + (target.version() + 1)
            + " (the target's history is kept, and later syncs from this source fast-forward).";
    if (!sameOutput) {
      throw new SyncException(
          "The target's history (store id "
              + target.storeId()
              + ") is not the source's ("
              + source.storeId()
              + "): they are different outputs."
              + visible
              + forceHint
              + " Or choose another --to.");
    }
    Optional<Manifest> sourceOnTarget = find(dst, target.version() - 1, source);
    if (sourceOnTarget.isPresent()) {
      throw new SyncException(
          "The target is ahead of the source: its version "
              + target.version()
              + " comes after version "
              + sourceOnTarget.get().version()
              + ", which holds the source's version "
              + source.version()
              + " (commit "
              + source.commitKey()
              + ")."
              + visible
              + " Sync the other way (swap --from and --to), or use --force to roll the target"
              + " back to the source's shards as its new version "
              + (target.version() + 1)
              + " (the target's history is kept).");
    }
    Common common = common(source, target);
    throw new SyncException(
        "Both sides committed since their common version "
            + (common == null
                ? "(none)"
                : common.source().version()
                    + (common.target().version() == common.source().version()
                        ? ""
                        : " (version " + common.target().version() + " on the target)"))
            + ": the source changed shards "
            + changedShards(common == null ? null : common.source(), source)
            + " (now version "
            + source.version()
            + ", run "
            + source.runId()
            + ", commit "
            + source.commitKey()
            + "), the target changed shards "
            + changedShards(common == null ? null : common.target(), target)
            + " (now version "
            + target.version()
            + ", run "
            + target.runId()
            + ", commit "
            + target.commitKey()
            + ")."
            + visible
            + forceHint);
  }

  /** The version of the source's history whose content the target's newest version holds. */
  private Optional<Manifest> basis(Manifest source, Manifest target) {
    Optional<Manifest> same = src.version(target.version());
    if (same.isPresent() && target.sameContent(same.get())) {
      return same;
    }
    Manifest.Origin origin = target.contentCommit();
    if (origin.version() != target.version()) {
      Optional<Manifest> copied = src.version(origin.version());
      if (copied.isPresent() && target.sameContent(copied.get())) {
        return copied;
      }
    }
    return find(src, source.version() - 1, target);
  }

  /** The newest version of {@code store} up to {@code from} with the content of {@code m}. */
  private static Optional<Manifest> find(ManifestStore store, long from, Manifest m) {
    for (long v = from; v >= 1; v--) {
      Optional<Manifest> there = store.version(v);
      if (there.isPresent() && m.sameContent(there.get())) {
        return there;
      }
    }
    return Optional.empty();
  }

  private record Common(Manifest source, Manifest target) {}

  /** The newest target version whose content is also in the source's history. */
  private Common common(Manifest source, Manifest target) {
    Map<String, Long> sourceVersions = new HashMap<>();
    for (long v = source.version(); v >= 1; v--) {
      Optional<Manifest> m = v == source.version() ? Optional.of(source) : src.version(v);
      if (m.isPresent()) {
        for (String key : keys(m.get())) {
          sourceVersions.putIfAbsent(key, v);
        }
      }
    }
    for (long v = target.version(); v >= 1; v--) {
      Optional<Manifest> t = v == target.version() ? Optional.of(target) : dst.version(v);
      if (t.isEmpty()) {
        continue;
      }
      for (String key : keys(t.get())) {
        Long s = sourceVersions.get(key);
        if (s != null) {
          Optional<Manifest> base = src.version(s);
          if (base.isPresent()) {
            return new Common(base.get(), t.get());
          }
        }
      }
    }
    return null;
  }

  /** The commits a manifest's content is known by: itself and the commit it copied. */
  private static List<String> keys(Manifest m) {
    Manifest.Origin content = m.contentCommit();
    return List.of(
        m.version() + "/" + m.commitKey(), content.version() + "/" + content.commitKey());
  }

  static List<String> changedShards(Manifest base, Manifest now) {
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
    before.keySet().stream().sorted().forEach(n -> changed.add(n + " (deleted)"));
    return changed;
  }

  static boolean sameFiles(Manifest.ShardEntry a, Manifest.ShardEntry b) {
    return Objects.equals(a.files(), b.files()) && Objects.equals(a.errorFiles(), b.errorFiles());
  }
}

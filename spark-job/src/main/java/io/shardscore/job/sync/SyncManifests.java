package io.shardscore.job.sync;

import io.shardscore.job.commit.Manifest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The manifest a sync commits on the target, from the source's newest and the lineage decision. */
final class SyncManifests {
  private SyncManifests() {}

  /**
   * The target's new version: the source's manifest under its own version number ({@link
   * Lineage.Kind#SAME_VERSION}), or the source's shards as the target's next version, with an
   * origin naming the source's commit. Its {@code moves} point into the sync's staging; its {@code
   * supersedes} are the target's live files it no longer lists, kept for {@code retention}.
   */
  static Manifest next(
      Manifest source,
      Optional<Manifest> current,
      Lineage.Decision decision,
      List<Manifest.Move> moves,
      Duration retention,
      String attemptId) {
    Set<String> newLive = source.liveFiles();
    List<String> supersedes =
        current
            .map(t -> t.liveFiles().stream().filter(f -> !newLive.contains(f)).sorted().toList())
            .orElse(List.of());
    long retainUntil = System.currentTimeMillis() + retention.toMillis();
    if (decision.kind() == Lineage.Kind.SAME_VERSION) {
      return source.onTarget(moves, supersedes, retainUntil);
    }
    Manifest t = current.orElseThrow();
    return new Manifest(
        Manifest.FORMAT,
        t.version() + 1,
        t.version(),
        source.storeId(),
        source.runId(),
        attemptId,
        Instant.now().toString(),
        source.mode(),
        source.model(),
        source.plan(),
        source.settingsDigest(),
        source.shards(),
        source.input(),
        moves,
        supersedes,
        retainUntil,
        source.contentCommit());
  }
}

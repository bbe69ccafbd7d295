package io.shardscore.job.sync;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ShardCommitter;
import java.io.IOException;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Copies a committed output from one store to another ({@code file:}, {@code hdfs:}, {@code s3a:}
 * in any direction) by the commit protocol of a run (docs/commit-protocol.md, "Sync"):
 *
 * <ol>
 *   <li>The source's newest version, and the target's, are first rolled forward if a crash
 *       interrupted their commit ({@link ShardCommitter#ensureInPlace}).
 *   <li>Lineage, by commit key, never by run id: the target's newest version must hold the content
 *       of a version in the source's history ({@link Manifest#sameContent}); a target that is
 *       ahead, a diverged target and a different output are refused unless {@code force}.
 *   <li>Only the shards whose manifest entries differ are copied, each file into this attempt's
 *       staging folder {@code _shardscore/staging/sync.<attempt>/} on the target, through a
 *       temporary name, verified by the CRC32C and size its manifest recorded. Files the target's
 *       newest version already lists are not copied. Nothing visible on the target changes.
 *   <li>The commit point is the exclusive creation of the new version on the target, by {@link
 *       ShardCommitter#commit}, the run's own code: the new manifest's {@code moves} point into the
 *       sync's staging, its {@code supersedes} are the target's previous live files it no longer
 *       lists, kept for {@code retention}. If another writer created that version first, nothing
 *       was committed. After the commit point the files are moved into place, {@code manifest.json}
 *       is written and superseded files are deleted once their retention (this sync's, or that of
 *       the target's own earlier commits) has passed.
 *   <li>After the commit point, and never before, the source's versions between the target's
 *       previous version and the new one are copied into the target's history (best effort).
 * </ol>
 *
 * <p>Versions: a fast-forward commits the source's newest manifest under the source's version
 * number, so that both stores hold the same commit (it may skip versions; the skipped numbers are
 * claimed with the source's history right after the commit point). A forced sync never moves or
 * rewrites the target's history: it commits the source's shards as the target's next version
 * (target version + 1), with a new commit id and an {@link Manifest#origin} naming the source's
 * commit (store id, version, commit key). A later plain sync from the same source then finds that
 * content in the source's history and fast-forwards: under the source's version number once that is
 * higher than the target's, else again as the target's next version with an origin.
 *
 * <p>One attempt is a {@link SyncAttempt}: it copies the shards that differ ({@link ShardCopy}),
 * builds the target's new manifest ({@link SyncManifests}) and, after the commit point, claims the
 * source's skipped versions in the target's history ({@link SyncHistory}).
 */
public final class StoreSync {
  private final Configuration conf;

  public StoreSync(Configuration conf) {
    this.conf = conf;
  }

  /** {@link #sync(String, String, boolean, Duration)} deleting superseded files at once. */
  public SyncResult sync(String from, String to, boolean force) {
    return sync(from, to, force, Duration.ZERO);
  }

  /**
   * Makes {@code to} hold the newest commit of {@code from}.
   *
   * @param force commit the source's shards on the target even when the target diverged from the
   *     source, is ahead of it, or is a different output
   * @param retention how long the target's files this sync supersedes stay for readers of the
   *     target's previous version
   */
  public SyncResult sync(String from, String to, boolean force, Duration retention) {
    Path srcRoot = new Path(from);
    Path dstRoot = new Path(to);
    try {
      FileSystem src = srcRoot.getFileSystem(conf);
      FileSystem dst = dstRoot.getFileSystem(conf);
      srcRoot = src.makeQualified(srcRoot);
      dstRoot = dst.makeQualified(dstRoot);
      if (srcRoot.equals(dstRoot)) {
        throw new SyncException(
            "--from and --to are the same output "
                + srcRoot
                + "; nothing was copied. Point --to at another store or folder.");
      }
      return new SyncAttempt(src, srcRoot, dst, dstRoot, from, to).run(force, retention);
    } catch (IOException e) {
      throw new SyncException(
          "Sync from "
              + from
              + " to "
              + to
              + " failed before its commit: "
              + e.getMessage()
              + ". Nothing was committed on the target, which still shows its previous commit;"
              + " check that both stores are reachable and writable, then rerun the sync.",
          e);
    }
  }
}

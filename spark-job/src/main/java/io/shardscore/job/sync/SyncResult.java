package io.shardscore.job.sync;

import java.util.List;

/**
 * What a sync did.
 *
 * @param sourceVersion the source's newest version, the one synced
 * @param previousTargetVersion the target's version before, or -1 if it had none
 * @param targetVersion the target's newest version after the sync: the source's version, or the
 *     target's next version when the sync committed the source's shards under a number of its own
 *     (a forced sync, see {@link StoreSync})
 * @param upToDate true when the target already held the source's newest commit: nothing moved
 * @param shardsCopied names of shards whose files were copied
 */
public record SyncResult(
    long sourceVersion,
    long previousTargetVersion,
    long targetVersion,
    boolean upToDate,
    List<String> shardsCopied,
    int filesCopied,
    long bytesCopied,
    int filesSkipped,
    List<String> shardsDeleted) {}

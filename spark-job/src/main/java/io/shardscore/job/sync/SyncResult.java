package io.shardscore.job.sync;

import java.util.List;

/**
 * What a sync did.
 *
 * @param previousTargetVersion the target's version before, or -1 if it had none
 * @param upToDate true when the target already had the source's version: nothing moved
 * @param shardsCopied names of shards whose files were copied
 */
public record SyncResult(
    long sourceVersion,
    long previousTargetVersion,
    boolean upToDate,
    List<String> shardsCopied,
    int filesCopied,
    long bytesCopied,
    int filesSkipped,
    List<String> shardsDeleted) {}

package io.shardscore.job.commit;

/**
 * A file a task staged (absolute path or URI) and the path, relative to the output root, it takes
 * when committed.
 */
public record StagedFile(String stagedPath, String finalPath) {}

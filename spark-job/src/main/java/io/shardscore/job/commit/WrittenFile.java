package io.shardscore.job.commit;

import java.io.Serializable;

/**
 * A data file a task wrote: its path relative to the output root, its row count as written, its
 * size and the CRC32C of its bytes (shardscore's own checksum, comparable across stores).
 */
public record WrittenFile(String path, long rows, long bytes, String crc32c)
    implements Serializable {}

package io.shardscore.job.result;

/**
 * What a run did with one shard.
 *
 * @param status {@code scored}, {@code rejected} (a stray-key shard whose rows went to errors),
 *     {@code empty}, or for shards this run did not score: {@code unchanged}, {@code kept}, {@code
 *     skipped}, {@code deleted}
 * @param partitions how many Spark partitions (tasks) the shard was split into
 */
public record ShardStatus(
    int id,
    String name,
    String covers,
    String status,
    long rows,
    long errorRows,
    int partitions,
    int files) {}

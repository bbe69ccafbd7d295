package io.shardscore.job.commit;

/**
 * One input file as the change check sees it: its identity (path relative to the input root, size,
 * modification time) and the shard key's range in it from the Parquet footer. A file whose footer
 * has no usable statistics has null {@code keyMin}/{@code keyMax} and overlaps every shard.
 *
 * @param keyNulls null keys in the file; -1 when unknown
 */
public record InputFile(
    String path, long size, long modified, Long keyMin, Long keyMax, long keyNulls) {

  /** Same file content as far as identity tells: same path, size and modification time. */
  public boolean sameIdentity(InputFile other) {
    return path.equals(other.path()) && size == other.size() && modified == other.modified();
  }

  public boolean hasKeyRange() {
    return keyMin != null && keyMax != null;
  }
}

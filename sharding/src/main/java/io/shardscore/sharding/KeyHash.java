package io.shardscore.sharding;

/**
 * The stable 64-bit hashes shardscore applies to shard keys. They are part of the on-disk contract
 * (a hash-bucket plan must assign a key to the same bucket in every run and every version), so they
 * are defined here rather than borrowed from Spark or the JDK, whose hashes may change.
 */
public final class KeyHash {
  private static final long BUCKET_SEED = 0x5A17_5C0E_0000_0001L;
  private static final long SPLIT_SEED = 0x9E37_79B9_7F4A_7C15L;

  private KeyHash() {}

  /** Hash used to choose a hash bucket. */
  public static long forBucket(long key) {
    return fmix64(key ^ BUCKET_SEED);
  }

  /**
   * Hash used to split one shard across several partitions. Independent of {@link #forBucket} so
   * that splitting a hash bucket still spreads its keys.
   */
  public static long forSplit(long key) {
    return fmix64(key ^ SPLIT_SEED);
  }

  /**
   * The 64-bit code of a text key for hash buckets: FNV-1a over the string's UTF-8 bytes, then
   * {@link #fmix64}. Part of the on-disk contract like the other hashes. (Long-coded keys are
   * hashed by their code: the value, the epoch day, the epoch microsecond or the unscaled decimal.)
   */
  public static long ofText(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return fmix64(h);
  }

  /** MurmurHash3's 64-bit finalizer: a bijection with full avalanche. */
  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}

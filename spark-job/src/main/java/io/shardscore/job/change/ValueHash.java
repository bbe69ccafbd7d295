package io.shardscore.job.change;

import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;

/** Hashes the non-null value at ordinal {@code i} of a row or array, continuing from seed. */
@FunctionalInterface
interface ValueHash {
  long hash(SpecializedGetters g, int i, long seed);

  /**
   * True when this hashing, or one inside it, hashes arrays of fixed-width numbers in bulk
   * (fingerprint scheme 2); every other value hashes as in scheme 1.
   */
  default boolean bulk() {
    return false;
  }
}

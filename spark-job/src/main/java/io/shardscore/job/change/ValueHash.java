package io.shardscore.job.change;

import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;

/** Hashes the non-null value at ordinal {@code i} of a row or array, continuing from seed. */
@FunctionalInterface
interface ValueHash {
  long hash(SpecializedGetters g, int i, long seed);
}

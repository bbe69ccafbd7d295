package io.shardscore.job.change;

import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.Platform;

/**
 * The name-ordered fields of a row (its columns) or of a struct, each with the hash of its name and
 * the hashing of its values: {@link #chain} mixes in, field after field, the name and then the
 * value (or the null mark).
 */
final class FieldHashes {
  private final int[] ordinals;
  private final long[] nameHash;
  private final ValueHash[] values;

  private FieldHashes(int[] ordinals, long[] nameHash, ValueHash[] values) {
    this.ordinals = ordinals;
    this.nameHash = nameHash;
    this.values = values;
  }

  /** The columns {@code names} at {@code ordinals} of a row, with their {@code types}. */
  static FieldHashes columns(String[] names, int[] ordinals, DataType[] types, long chain) {
    return of(names, ordinals, types, chain, ValueHashes.Mode.COLUMN, null, null);
  }

  /**
   * The fields {@code names} at {@code ordinals}; {@code column} and {@code columnType} are the
   * top-level column they belong to, for error messages, or null when they are the columns
   * themselves.
   */
  static FieldHashes of(
      String[] names,
      int[] ordinals,
      DataType[] types,
      long chain,
      ValueHashes.Mode mode,
      String column,
      DataType columnType) {
    long[] nameHash = new long[names.length];
    ValueHash[] values = new ValueHash[names.length];
    for (int k = 0; k < names.length; k++) {
      byte[] name = names[k].getBytes(StandardCharsets.UTF_8);
      nameHash[k] = XXH64.hashUnsafeBytes(name, Platform.BYTE_ARRAY_OFFSET, name.length, chain);
      values[k] =
          column != null
              ? ValueHashes.of(types[k], chain, mode, column, columnType)
              : ValueHashes.of(types[k], chain, mode, names[k], types[k]);
    }
    return new FieldHashes(ordinals.clone(), nameHash, values);
  }

  /** Mixes the fields of {@code row} into {@code h}, in name order. */
  long chain(InternalRow row, long h) {
    for (int k = 0; k < ordinals.length; k++) {
      long seed = h ^ nameHash[k];
      int o = ordinals[k];
      h =
          row.isNullAt(o)
              ? XXH64.hashLong(ValueHashes.NULL_MARK, seed)
              : values[k].hash(row, o, seed);
    }
    return h;
  }
}

package io.shardscore.job.change;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A 128-bit hash (two independent 64-bit XXH64 chains) of a row's content over a canonical
 * encoding, so that equal content hashes equally whatever the physical layout: columns are taken in
 * name order, every integral type is widened to long, float to double, {@code -0.0} equals {@code
 * 0.0}, every NaN is the same NaN, decimals compare by value. Column names are mixed in, so
 * swapping values between columns changes the hash.
 *
 * <p>Every Spark SQL type is hashed by value, recursively: an array mixes in its length and marks
 * null elements; a struct mixes in its field names (taken in name order, like columns); a map is
 * hashed independently of its entry order, as the sum of its entries' hashes (each entry hashes its
 * key, then its value) finished with the entry count. Types without a by-value encoding (variant,
 * geometry, geography, object) are refused when the hasher is built, naming the column.
 *
 * <p>The hashing function of every column is chosen once, from its type, when the hasher is built
 * ({@link ValueHashes}); hashing numbers and arrays of numbers allocates nothing, and strings and
 * binaries are hashed where they lie in an UnsafeRow, without copying.
 *
 * <p>Arrays of longs, ints, doubles and floats without null elements are hashed in bulk: their
 * length, then the canonical bytes of all elements in one XXH64 pass over the array's memory (with
 * null elements, element by element with a null mark). This is fingerprint scheme {@link #SCHEME}
 * (2); scheme 1 hashed those arrays element by element always, so their rows hash differently now.
 * Every other value hashes as in scheme 1 (which kept the hash values of the encoding before nested
 * types were supported for atomic columns and arrays of dates, decimals, strings, booleans,
 * timestamps and ANSI intervals). {@link ShardFingerprint} carries its scheme, and a fingerprint of
 * another scheme never matches: a shard committed under scheme 1 is scored once again.
 *
 * <p>The census ({@link ShardCensus}, on the driver's plan) and the scoring tasks both fingerprint
 * rows with this class: it is the one definition of a row's hash.
 */
public final class RowHasher implements Serializable {
  private static final long serialVersionUID = 3L;

  /** The fingerprint scheme of the hashes this class computes (see the class comment). */
  public static final int SCHEME = 2;

  private static final long SEED_A = 0x5348_4152_4453_434FL;
  private static final long SEED_B = 0x7265_7363_6F72_6521L;

  private final int[] ordinals;
  private final String[] names;
  private final DataType[] types;
  private transient FieldHashes chainA;
  private transient FieldHashes chainB;

  /**
   * Hashes the columns of {@code schema} at their ordinals; {@code skip} names are left out.
   *
   * @throws IllegalArgumentException when a hashed column's type, or a type inside it, has no
   *     by-value encoding (variant, geometry, geography, object)
   */
  public RowHasher(StructType schema, String... skip) {
    StructField[] fields = schema.fields();
    List<String> skipped = Arrays.asList(skip);
    int[] ords =
        sortedByName(fields).stream()
            .filter(i -> !skipped.contains(fields[i].name()))
            .mapToInt(Integer::intValue)
            .toArray();
    this.ordinals = ords;
    this.names = new String[ords.length];
    this.types = new DataType[ords.length];
    for (int k = 0; k < ords.length; k++) {
      names[k] = fields[ords[k]].name();
      types[k] = fields[ords[k]].dataType();
    }
    build();
  }

  /** First 64 bits of the row's hash. */
  public long hashA(InternalRow row) {
    return chainA.chain(row, SEED_A);
  }

  /** Second, independent 64 bits of the row's hash. */
  public long hashB(InternalRow row) {
    return chainB.chain(row, SEED_B);
  }

  private void build() {
    chainA = FieldHashes.columns(names, ordinals, types, SEED_A);
    chainB = FieldHashes.columns(names, ordinals, types, SEED_B);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    build();
  }

  /** The indexes of {@code fields} in the order of their names. */
  static List<Integer> sortedByName(StructField[] fields) {
    Integer[] order = new Integer[fields.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparing(i -> fields[i].name()));
    return Arrays.asList(order);
  }
}

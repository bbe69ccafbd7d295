package io.shardscore.job.change;

import io.shardscore.sharding.ShardPlan;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * One pass over the input that counts and fingerprints the rows of every shard. The counts drive
 * placement; the fingerprints decide which shards an incremental run must score. Rows whose key has
 * no shard (policy {@code fail}) are counted separately.
 */
public final class ShardCensus implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ShardFingerprint[] shards;
  private final long strayRows;
  private final boolean fingerprinted;

  private ShardCensus(ShardFingerprint[] shards, long strayRows, boolean fingerprinted) {
    this.shards = shards;
    this.strayRows = strayRows;
    this.fingerprinted = fingerprinted;
  }

  /**
   * Takes the census of {@code rows}, whose last column is the key as a nullable long and whose
   * other columns are exactly the columns that reach the output.
   */
  public static ShardCensus take(Dataset<Row> rows, ShardPlan plan) {
    return take(rows, plan, true);
  }

  /**
   * Counts rows per shard only, reading just the key column ({@code keyOnly} holds one column: the
   * key as a nullable long). Full runs use it; their tasks fingerprint the rows they score.
   */
  public static ShardCensus count(Dataset<Row> keyOnly, ShardPlan plan) {
    return take(keyOnly, plan, false);
  }

  private static ShardCensus take(Dataset<Row> rows, ShardPlan plan, boolean fingerprint) {
    StructType schema = rows.schema();
    int keyOrdinal = schema.size() - 1;
    RowHasher hasher =
        fingerprint ? new RowHasher(schema, schema.fields()[keyOrdinal].name()) : null;
    int n = plan.shards().size();
    List<long[]> partials =
        rows.queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitions(new Partial(plan, hasher, keyOrdinal, n))
            .collect();
    long[] sums = new long[3 * n + 1];
    for (long[] p : partials) {
      for (int i = 0; i < sums.length; i++) {
        sums[i] += p[i];
      }
    }
    ShardFingerprint[] out = new ShardFingerprint[n];
    for (int s = 0; s < n; s++) {
      out[s] = new ShardFingerprint(sums[3 * s], sums[3 * s + 1], sums[3 * s + 2]);
    }
    return new ShardCensus(out, sums[3 * n], fingerprint);
  }

  /** True when the census hashed rows; false for a count-only census. */
  public boolean fingerprinted() {
    return fingerprinted;
  }

  /** The encoded fingerprint of a shard, or null for a count-only census. */
  public String fingerprint(int shardId) {
    return fingerprinted ? shards[shardId].encoded() : null;
  }

  /** A census assembled from known fingerprints, for shards the metadata fast path vouches for. */
  public ShardCensus withKnown(java.util.Map<Integer, ShardFingerprint> known) {
    ShardFingerprint[] merged = shards.clone();
    known.forEach((id, fp) -> merged[id] = fp);
    return new ShardCensus(merged, strayRows, fingerprinted);
  }

  /** A census of {@code shards} shards that read nothing: every fingerprint comes from known. */
  public static ShardCensus ofKnown(int shards, java.util.Map<Integer, ShardFingerprint> known) {
    ShardFingerprint[] all = new ShardFingerprint[shards];
    java.util.Arrays.fill(all, ShardFingerprint.EMPTY);
    known.forEach((id, fp) -> all[id] = fp);
    return new ShardCensus(all, 0, true);
  }

  public ShardFingerprint of(int shardId) {
    return shards[shardId];
  }

  public long rows(int shardId) {
    return shards[shardId].rows();
  }

  public long strayRows() {
    return strayRows;
  }

  public long totalRows() {
    long t = strayRows;
    for (ShardFingerprint f : shards) {
      t += f.rows();
    }
    return t;
  }

  private record Partial(ShardPlan plan, RowHasher hasher, int keyOrdinal, int shards)
      implements FlatMapFunction<Iterator<InternalRow>, long[]> {
    @Override
    public Iterator<long[]> call(Iterator<InternalRow> rows) {
      long[] acc = new long[3 * shards + 1];
      while (rows.hasNext()) {
        InternalRow row = rows.next();
        boolean isNull = row.isNullAt(keyOrdinal);
        int s = plan.assign(isNull, isNull ? 0 : row.getLong(keyOrdinal));
        if (s == ShardPlan.NO_SHARD) {
          acc[3 * shards]++;
          continue;
        }
        acc[3 * s]++;
        if (hasher != null) {
          acc[3 * s + 1] += hasher.hashA(row);
          acc[3 * s + 2] += hasher.hashB(row);
        }
      }
      List<long[]> one = new ArrayList<>(1);
      one.add(acc);
      return one.iterator();
    }
  }
}

package io.shardscore.job.score;

import io.shardscore.job.config.JobConfigValidator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The row layouts of a run. Tasks receive <em>carried</em> rows (passthrough columns first, then
 * other columns the model needs, then the route value). They write <em>data</em> rows (passthrough
 * + predictions + provenance) and <em>error</em> rows (every carried column except the route +
 * reason + provenance). Both are built by Spark's generated projections over the carried row joined
 * with a small row of computed values.
 */
public final class OutputLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  private final StructType carried;
  private final int passthroughCount;
  private final PredictionColumns predictions;
  private final StructType data;
  private final StructType errors;

  public OutputLayout(StructType carried, int passthroughCount, PredictionColumns predictions) {
    this.carried = carried;
    this.passthroughCount = passthroughCount;
    this.predictions = predictions;
    List<StructField> d = new ArrayList<>();
    for (int i = 0; i < passthroughCount; i++) {
      d.add(carried.fields()[i]);
    }
    d.addAll(predictions.fields());
    d.addAll(provenanceFields());
    this.data = new StructType(d.toArray(StructField[]::new));
    List<StructField> e = new ArrayList<>();
    for (int i = 0; i < routeOrdinal(); i++) {
      e.add(carried.fields()[i]);
    }
    e.add(
        DataTypes.createStructField(
            JobConfigValidator.ERROR_REASON_COLUMN, DataTypes.StringType, false));
    e.addAll(provenanceFields());
    this.errors = new StructType(e.toArray(StructField[]::new));
  }

  private static List<StructField> provenanceFields() {
    return List.of(
        DataTypes.createStructField("model_digest", DataTypes.StringType, false),
        DataTypes.createStructField("run_id", DataTypes.StringType, false),
        DataTypes.createStructField("scored_at", DataTypes.TimestampType, false));
  }

  /** Ordinal of the route value in carried rows: always the last column. */
  public int routeOrdinal() {
    return carried.size() - 1;
  }

  public StructType carriedSchema() {
    return carried;
  }

  public StructType dataSchema() {
    return data;
  }

  public StructType errorSchema() {
    return errors;
  }

  public PredictionColumns predictions() {
    return predictions;
  }

  /** Number of computed values joined after a carried row to build a data row. */
  public int dataExtras() {
    return predictions.fields().size() + 3;
  }

  /** Projection from {@code JoinedRow(carried, extras)} to a data row. Create on the executor. */
  public UnsafeProjection dataProjection() {
    List<Expression> exprs = new ArrayList<>();
    for (int i = 0; i < passthroughCount; i++) {
      StructField f = carried.fields()[i];
      exprs.add(new BoundReference(i, f.dataType(), f.nullable()));
    }
    int base = carried.size();
    StructField[] out = data.fields();
    for (int k = 0; k < dataExtras(); k++) {
      StructField f = out[passthroughCount + k];
      exprs.add(new BoundReference(base + k, f.dataType(), f.nullable()));
    }
    return UnsafeProjection.create(CollectionConverters.asScala(exprs).toSeq());
  }

  /** Projection from {@code JoinedRow(carried, [reason, provenance])} to an error row. */
  public UnsafeProjection errorProjection() {
    List<Expression> exprs = new ArrayList<>();
    for (int i = 0; i < routeOrdinal(); i++) {
      StructField f = carried.fields()[i];
      exprs.add(new BoundReference(i, f.dataType(), f.nullable()));
    }
    int base = carried.size();
    StructField[] out = errors.fields();
    for (int k = 0; k < 4; k++) {
      StructField f = out[routeOrdinal() + k];
      exprs.add(new BoundReference(base + k, f.dataType(), f.nullable()));
    }
    return UnsafeProjection.create(CollectionConverters.asScala(exprs).toSeq());
  }
}

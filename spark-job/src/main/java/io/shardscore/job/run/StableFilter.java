package io.shardscore.job.run;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Whether an {@code input.where} selects the same rows from the same data files at every run: a
 * condition over the table's columns and literals only. One that calls a function ({@code
 * current_date()}, {@code rand()}, a UDF), reads a subquery (another table) or names anything but a
 * column (a session variable, {@code current_timestamp}) may select other rows while no data file
 * changed, so the metadata cannot decide for it.
 */
final class StableFilter {
  private StableFilter() {}

  /** Null when {@code where} is stable over {@code schema}'s columns, else why it is not. */
  static String unstable(SparkSession spark, String where, StructType schema) {
    if (where == null) {
      return null;
    }
    Expression e;
    try {
      e = spark.sessionState().sqlParser().parseExpression(where);
    } catch (Exception ex) { // the read has parsed it already; be safe
      return "input.where cannot be parsed to check it";
    }
    Set<String> columns = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (StructField f : schema.fields()) {
      columns.add(f.name());
    }
    return find(e, columns);
  }

  private static String find(Expression e, Set<String> columns) {
    if (e instanceof UnresolvedFunction f) {
      return "input.where calls "
          + f.nameParts().mkString(".")
          + "(), whose result may change while no data file does";
    }
    if (e instanceof SubqueryExpression) {
      return "input.where reads a subquery, whose rows may change while no data file does";
    }
    if (e instanceof UnresolvedAttribute a && !columns.contains(a.nameParts().head())) {
      return "input.where names " + a.name() + ", which is not a column of the table";
    }
    String kind = e.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    if (!deterministic(e) || kind.startsWith("current") || kind.equals("now")) {
      return "input.where uses " + e.prettyName() + ", whose result may change between runs";
    }
    for (Expression child : CollectionConverters.asJava(e.children())) {
      String why = find(child, columns);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  private static boolean deterministic(Expression e) {
    try {
      return e.deterministic();
    } catch (RuntimeException unresolved) { // an unresolved node: its children decide
      return true;
    }
  }
}

package io.shardscore.job.row;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * The one place where a column's name becomes a Spark column reference. Spark parses a name given
 * to {@code col(..)} as an attribute path ({@code plan.tier} is field {@code tier} of a struct
 * {@code plan}), so every name is quoted first: a top-level column is found by its exact name,
 * whatever it holds — dots, spaces, backticks, non-ASCII letters, SQL keywords.
 */
public final class ColumnNames {
  private ColumnNames() {}

  /** The top-level column named exactly {@code name}. */
  public static Column column(String name) {
    return functions.col(quoted(name));
  }

  /**
   * A filter the user wrote in SQL ({@code input.where}), parsed as SQL on purpose: the one place
   * where text from the job file is an expression rather than a name.
   */
  public static Column sqlPredicate(String sql) {
    return functions.expr(sql);
  }

  /**
   * {@code name} as one quoted identifier of Spark SQL: in backticks, with each backtick inside it
   * doubled ({@code a`b} becomes {@code `a``b`}).
   */
  public static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}

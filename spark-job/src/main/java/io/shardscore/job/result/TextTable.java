package io.shardscore.job.result;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table whose columns are as wide as their widest cell (header included) and at least
 * their minimum width, so a long shard name or a large count widens its column instead of pushing
 * the rest of its row out of line. A left-aligned last column is not padded.
 */
public final class TextTable {
  private TextTable() {}

  /** How a column's cells sit in its width. */
  public enum Align {
    LEFT,
    RIGHT
  }

  /**
   * One column.
   *
   * @param minWidth the width it keeps when its cells are narrower
   * @param gap spaces between it and the column before it
   */
  public record Column(String header, Align align, int minWidth, int gap) {
    public static Column left(String header, int minWidth) {
      return new Column(header, Align.LEFT, minWidth, 1);
    }

    public static Column right(String header, int minWidth) {
      return new Column(header, Align.RIGHT, minWidth, 1);
    }

    /** This column with {@code spaces} spaces before it. */
    public Column afterGap(int spaces) {
      return new Column(header, align, minWidth, spaces);
    }
  }

  /** The header line and one line per row, each ending with the line separator. */
  public static String render(List<Column> columns, List<List<String>> rows) {
    int[] widths = new int[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      widths[c] = Math.max(columns.get(c).minWidth(), columns.get(c).header().length());
    }
    for (List<String> row : rows) {
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException(
            "A row of " + row.size() + " cells in a table of " + columns.size() + " columns");
      }
      for (int c = 0; c < row.size(); c++) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    List<String> header = new ArrayList<>();
    columns.forEach(c -> header.add(c.header()));
    StringBuilder sb = new StringBuilder();
    line(sb, columns, widths, header);
    rows.forEach(row -> line(sb, columns, widths, row));
    return sb.toString();
  }

  private static void line(StringBuilder sb, List<Column> columns, int[] widths, List<String> row) {
    for (int c = 0; c < columns.size(); c++) {
      Column column = columns.get(c);
      String cell = row.get(c);
      String pad = " ".repeat(widths[c] - cell.length());
      if (c > 0) {
        sb.append(" ".repeat(column.gap()));
      }
      if (column.align() == Align.RIGHT) {
        sb.append(pad).append(cell);
      } else {
        sb.append(cell).append(c == columns.size() - 1 ? "" : pad);
      }
    }
    sb.append(System.lineSeparator());
  }
}

package io.batchwise.train.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table with aligned columns, for consoles and logs.
 *
 * <pre>
 * epoch  train loss  test acc %
 * -----  ----------  ----------
 *     1      0.5123       84.10
 *     2      0.3301       88.93
 * </pre>
 *
 * <p>Cells that look like numbers are right-aligned, other cells left-aligned; a column's header
 * follows the alignment of its first data cell. Columns are separated by two spaces, lines end in
 * {@code \n}, and there is no trailing whitespace.
 */
public final class TextTable {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public TextTable(List<String> headers) {
    if (headers == null || headers.isEmpty()) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    this.headers = List.copyOf(headers);
  }

  public TextTable(String... headers) {
    this(Arrays.asList(headers));
  }

  /** Adds a row of exactly one cell per column ({@code null} prints as empty). */
  public TextTable row(List<?> cells) {
    if (cells.size() != headers.size()) {
      throw new IllegalArgumentException("table row has " + cells.size() + " cells for "
          + headers.size() + " columns " + headers);
    }
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(c == null ? "" : String.valueOf(c));
    }
    rows.add(r);
    return this;
  }

  public TextTable row(Object... cells) {
    return row(Arrays.asList(cells));
  }

  public int rowCount() {
    return rows.size();
  }

  /** The table as text, one line per row after the header and the rule. */
  public String render() {
    int n = headers.size();
    int[] width = new int[n];
    boolean[] right = new boolean[n];
    for (int c = 0; c < n; c++) {
      width[c] = headers.get(c).length();
      right[c] = !rows.isEmpty() && isNumber(rows.get(0).get(c));
      for (List<String> r : rows) {
        width[c] = Math.max(width[c], r.get(c).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, headers, width, right);
    List<String> rule = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      rule.add("-".repeat(width[c]));
    }
    line(sb, rule, width, right);
    for (List<String> r : rows) {
      line(sb, r, width, right);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return render();
  }

  private static void line(StringBuilder sb, List<String> cells, int[] width, boolean[] right) {
    StringBuilder l = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      if (c > 0) {
        l.append("  ");
      }
      String s = cells.get(c);
      String pad = " ".repeat(width[c] - s.length());
      l.append(right[c] ? pad + s : s + pad);
    }
    int end = l.length();
    while (end > 0 && l.charAt(end - 1) == ' ') {
      end--;
    }
    sb.append(l, 0, end).append('\n');
  }

  static boolean isNumber(String s) {
    return s.matches("[-+]?(\\d[\\d,]*)?(\\.\\d+)?([eE][-+]?\\d+)?%?") && s.matches(".*\\d.*");
  }
}

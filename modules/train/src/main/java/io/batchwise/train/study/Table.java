package io.batchwise.train.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A named table of rows with fixed columns: what one experiment measured. Written as CSV (every
 * column), as JSON (a list of row objects) and as markdown (the columns chosen for the summary).
 * Cells are strings, integers or doubles; a NaN or missing double is written empty / null.
 */
public final class Table {
  private final String name;
  private final List<String> columns;
  private final List<Map<String, Object>> rows = new ArrayList<>();

  /** @param name file-name stem, e.g. {@code study-1-per-worker-batch} */
  public Table(String name, String... columns) {
    this.name = name;
    this.columns = List.of(columns);
  }

  public String name() {
    return name;
  }

  public List<String> columns() {
    return columns;
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  /** Adds a row; values in column order. */
  public Table add(Object... values) {
    if (values.length != columns.size()) {
      throw new IllegalArgumentException(name + ": row of " + values.length + " values for " + columns.size()
          + " columns " + columns);
    }
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      row.put(columns.get(i), v instanceof Double d && !Double.isFinite(d) ? null : v);
    }
    rows.add(row);
    return this;
  }

  /** The rows whose column {@code key} equals {@code value}. */
  public List<Map<String, Object>> where(String key, Object value) {
    return rows.stream().filter(r -> value.equals(r.get(key))).toList();
  }

  /** The double in column {@code col} of the first row matching all key/value pairs, or NaN. */
  public double get(String col, Object... keyValues) {
    for (Map<String, Object> r : rows) {
      boolean ok = true;
      for (int i = 0; i < keyValues.length; i += 2) {
        if (!keyValues[i + 1].equals(r.get((String) keyValues[i]))) {
          ok = false;
          break;
        }
      }
      if (ok) {
        Object v = r.get(col);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
      }
    }
    return Double.NaN;
  }

  public String csv() {
    StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
    for (Map<String, Object> r : rows) {
      List<String> cells = new ArrayList<>();
      for (String c : columns) {
        cells.add(cell(r.get(c), false));
      }
      sb.append(String.join(",", cells)).append('\n');
    }
    return sb.toString();
  }

  /** A markdown table of the given columns (all when none given). */
  public String markdown(String... cols) {
    List<String> cs = cols.length == 0 ? columns : List.of(cols);
    StringBuilder sb = new StringBuilder("| " + String.join(" | ", cs) + " |\n|");
    for (int i = 0; i < cs.size(); i++) {
      sb.append("---|");
    }
    sb.append('\n');
    for (Map<String, Object> r : rows) {
      sb.append("| ");
      for (String c : cs) {
        sb.append(cell(r.get(c), true)).append(" | ");
      }
      sb.setLength(sb.length() - 1);
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String cell(Object v, boolean pretty) {
    if (v == null) {
      return pretty ? "–" : "";
    }
    if (v instanceof Double d) {
      if (!pretty) {
        return Double.toString(d);
      }
      double a = Math.abs(d);
      return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.3g", d)
          : String.format(Locale.ROOT, "%.4f", d).replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    String s = v.toString();
    return !pretty && (s.contains(",") || s.contains("\"")) ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}

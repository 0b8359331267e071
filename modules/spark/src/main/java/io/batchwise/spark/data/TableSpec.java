package io.batchwise.spark.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A data spec naming a table: {@code parquet:<path>[?key=value&...]} or
 * {@code table:<name>[?key=value&...]} (a table of the Spark session's catalog).
 *
 * <p>Keys: {@code image}, {@code label} (column names), {@code shape} ({@code CxHxW}),
 * {@code layout} ({@code chw} or {@code hwc}), {@code classes} (number of classes),
 * {@code test} (the test table: a path for {@code parquet:}, a name for {@code table:}) and
 * {@code test-every} (without {@code test}: hold out every N-th row; default 10). See
 * {@link TableOptions} for their meaning and defaults. Example:
 * {@code parquet:/data/train.parquet?image=pixels&label=y&shape=1x28x28&test=/data/test.parquet}.
 * A path may be any Hadoop file system URI ({@code hdfs://}, {@code s3a://}, {@code file:}).
 *
 * @param kind {@code parquet} or {@code table}
 * @param train the training table's path or name
 * @param test the test table's path or name, or {@code null} to hold out rows of the training table
 * @param options how to read both
 */
public record TableSpec(String kind, String train, String test, TableOptions options) {
  public static final String PARQUET = "parquet";
  public static final String TABLE = "table";

  /** Whether {@code spec} names a table (and so is this class's to parse). */
  public static boolean isTableSpec(String spec) {
    return spec != null && (spec.startsWith(PARQUET + ":") || spec.startsWith(TABLE + ":"));
  }

  /** Parses a spec; bad input gets an IllegalArgumentException naming the problem. */
  public static TableSpec parse(String spec) {
    if (!isTableSpec(spec)) {
      throw new IllegalArgumentException("data spec '" + spec + "' is not parquet:<path> or "
          + "table:<name>");
    }
    int colon = spec.indexOf(':');
    String kind = spec.substring(0, colon);
    String rest = spec.substring(colon + 1);
    String location = rest;
    Map<String, String> params = new LinkedHashMap<>();
    int q = rest.lastIndexOf('?');
    if (q >= 0) {
      location = rest.substring(0, q);
      for (String kv : rest.substring(q + 1).split("&")) {
        if (kv.isEmpty()) {
          continue;
        }
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("data spec '" + spec + "': option '" + kv
              + "' is not key=value");
        }
        String key = kv.substring(0, eq);
        if (params.put(key, kv.substring(eq + 1)) != null) {
          throw new IllegalArgumentException("data spec '" + spec + "': option '" + key
              + "' given twice");
        }
      }
    }
    if (location.isBlank()) {
      throw new IllegalArgumentException("data spec '" + spec + "' names no "
          + (kind.equals(PARQUET) ? "path" : "table") + " after '" + kind + ":'");
    }
    TableOptions o = TableOptions.DEFAULTS;
    String test = null;
    try {
      for (Map.Entry<String, String> e : params.entrySet()) {
        String v = e.getValue();
        switch (e.getKey()) {
          case "image" -> o = o.withImageColumn(v);
          case "label" -> o = o.withLabelColumn(v);
          case "shape" -> {
            int[] s = TableOptions.parseShape(v);
            o = o.withShape(s[0], s[1], s[2]);
          }
          case "layout" -> o = o.withLayout(v);
          case "classes" -> o = o.withNumClasses(parseInt("classes", v));
          case "test" -> test = v;
          case "test-every" -> o = o.withTestEvery(parseInt("test-every", v));
          default -> throw new IllegalArgumentException("unknown option '" + e.getKey()
              + "'; valid: image, label, shape, layout, classes, test, test-every");
        }
      }
      if (test != null && test.isBlank()) {
        throw new IllegalArgumentException("option 'test' names no table");
      }
      if (test == null && o.testEvery() == 0) {
        throw new IllegalArgumentException("test-every=0 holds out no rows; give a test table "
            + "with test=<" + (kind.equals(PARQUET) ? "path" : "name") + ">");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("data spec '" + spec + "': " + e.getMessage(), e);
    }
    return new TableSpec(kind, location, test, o);
  }

  private static int parseInt(String key, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option '" + key + "' needs a whole number, got '" + v
          + "'");
    }
  }
}

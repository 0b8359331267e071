package io.batchwise.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes maps, lists, strings, numbers, booleans and nulls as indented JSON. Non-finite numbers
 * become null (JSON has no NaN), so a failed measurement never turns into a number.
 */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder s = new StringBuilder();
    write(value, s, "");
    return s.toString();
  }

  private static void write(Object v, StringBuilder s, String indent) {
    if (v == null) {
      s.append("null");
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        s.append("{}");
        return;
      }
      String inner = indent + "  ";
      s.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        s.append(inner);
        string(String.valueOf(e.getKey()), s);
        s.append(": ");
        write(e.getValue(), s, inner);
        s.append(++i < m.size() ? ",\n" : "\n");
      }
      s.append(indent).append('}');
    } else if (v instanceof List<?> l) {
      s.append('[');
      for (int i = 0; i < l.size(); i++) {
        s.append(i == 0 ? "" : ", ");
        write(l.get(i), s, indent);
      }
      s.append(']');
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      s.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "null");
    } else if (v instanceof Number || v instanceof Boolean) {
      s.append(v);
    } else {
      string(v.toString(), s);
    }
  }

  private static void string(String t, StringBuilder s) {
    s.append('"');
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        case '\r' -> s.append("\\r");
        case '\t' -> s.append("\\t");
        default -> {
          if (c < 0x20) {
            s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            s.append(c);
          }
        }
      }
    }
    s.append('"');
  }
}

package io.batchwise.train;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer for run summaries and metrics (no dependency needed for that).
 *
 * <p>Values: {@code null}, {@link Boolean}, {@link Number}, {@link CharSequence}, {@link Map} with
 * string keys (written in iteration order, so use a {@code LinkedHashMap}) and {@link List}.
 * Strings are escaped per RFC 8259: quote, backslash and every control character below U+0020
 * ({@code \n \r \t \b \f} by name, the rest as {@code \\u00XX}); U+2028/U+2029 are escaped too so the
 * output is also valid JavaScript. A non-finite double (NaN, ±Infinity) has no JSON form and is
 * written as {@code null}.
 */
public final class Json {
  private Json() {}

  /** The JSON text of {@code value} on one line. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value, -1, 0);
    return sb.toString();
  }

  /** The JSON text of {@code value}, objects and arrays indented by two spaces per level. */
  public static String pretty(Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value, 2, 0);
    return sb.append('\n').toString();
  }

  /** {@code s} as a JSON string literal, quotes included. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    appendString(sb, s);
    return sb.toString();
  }

  private static void append(StringBuilder sb, Object v, int indent, int level) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isFinite(d)) {
        // Integral doubles print as 3.0 in Java; JSON readers take that as a number too.
        sb.append(v instanceof Float f ? Float.toString(f) : Double.toString(d));
      } else {
        sb.append("null");
      }
    } else if (v instanceof Number n) {
      sb.append(n.toString());
    } else if (v instanceof CharSequence cs) {
      appendString(sb, cs.toString());
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      boolean first = true;
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
        }
        if (!first) {
          sb.append(',');
        }
        first = false;
        newline(sb, indent, level + 1);
        appendString(sb, key);
        sb.append(indent < 0 ? ":" : ": ");
        append(sb, e.getValue(), indent, level + 1);
      }
      if (!first) {
        newline(sb, indent, level);
      }
      sb.append('}');
    } else if (v instanceof List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        newline(sb, indent, level + 1);
        append(sb, list.get(i), indent, level + 1);
      }
      if (!list.isEmpty()) {
        newline(sb, indent, level);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("no JSON form for " + v.getClass().getName());
    }
  }

  private static void newline(StringBuilder sb, int indent, int level) {
    if (indent >= 0) {
      sb.append('\n');
      for (int i = 0; i < indent * level; i++) {
        sb.append(' ');
      }
    }
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}

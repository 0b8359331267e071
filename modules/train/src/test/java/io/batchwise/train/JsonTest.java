package io.batchwise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void escapesStrings() {
    assertEquals("\"a\\\"b\\\\c\"", Json.quote("a\"b\\c"));
    assertEquals("\"l1\\nl2\\r\\t\\b\\f\"", Json.quote("l1\nl2\r\t\b\f"));
    assertEquals("\"\\u0000\\u001f\\u2028\"", Json.quote("\u0000\u001f\u2028"));
    assertEquals("\"é/ü ✓\"", Json.quote("é/ü ✓"), "non-ASCII text stays as UTF-8, '/' needs no escape");
  }

  @Test
  void writesNestedValues() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", 3);
    m.put("x", 0.5);
    m.put("nan", Double.NaN);
    m.put("inf", Float.POSITIVE_INFINITY);
    m.put("ok", true);
    m.put("none", null);
    m.put("list", List.of(1L, "two"));
    m.put("empty", Map.of());
    assertEquals("{\"n\":3,\"x\":0.5,\"nan\":null,\"inf\":null,\"ok\":true,\"none\":null,"
        + "\"list\":[1,\"two\"],\"empty\":{}}", Json.write(m));
    assertEquals("{\n  \"a\": [\n    1\n  ]\n}\n", Json.pretty(Map.of("a", List.of(1))));
  }

  @Test
  void refusesWhatJsonCannotHold() {
    assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
    assertThrows(IllegalArgumentException.class, () -> Json.write(Arrays.asList(new Object())));
  }
}

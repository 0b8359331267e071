package io.batchwise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
  private static Map<String, String> defaults() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("steps", "12");
    o.put("out", "bench/results");
    return o;
  }

  @Test
  void valuesReplaceDefaultsAndOthersStay() throws Exception {
    Map<String, String> o = defaults();
    BenchOptions.apply(o, new String[] {"--steps", "30"});
    assertEquals(Map.of("steps", "30", "out", "bench/results"), o);
  }

  @Test
  void unknownOrValuelessOptionsNameThemselvesAndTheKnownOnes() {
    for (String[] bad : new String[][] {{"--stesp", "30"}, {"--steps"}, {"steps", "30"}}) {
      UsageException e = assertThrows(UsageException.class, () -> BenchOptions.apply(defaults(), bad));
      assertTrue(e.getMessage().contains("'" + bad[0] + "'") && e.getMessage().contains("--steps --out"),
          e.getMessage());
    }
  }

  @Test
  void switchesTakeOnOrOffAndNameAnythingElse() throws Exception {
    Map<String, String> o = new LinkedHashMap<>(Map.of("pin", "on", "probe", "off", "fusion", "yes"));
    assertTrue(BenchOptions.onOff(o, "pin"));
    assertEquals(false, BenchOptions.onOff(o, "probe"));
    UsageException e = assertThrows(UsageException.class, () -> BenchOptions.onOff(o, "fusion"));
    assertEquals("--fusion takes on or off, got 'yes'", e.getMessage());
  }

  @Test
  void orExitReturnsWhatTheParserReturns() {
    assertEquals(Integer.valueOf(42), BenchOptions.orExit("Bench", () -> Integer.parseInt("42")));
  }
}

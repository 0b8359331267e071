package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.batchwise.train.BenchOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ScalingBench --preset targets}: the judged points, with options given beside it winning. */
class ScalingBenchPresetTest {
  private static Map<String, String> defaults() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("models", "resnet20,lenet-bn");
    o.put("workers", "1,2,4,8");
    o.put("modes", "weak,strong");
    o.put("norms", "syncbn,bn");
    o.put("repeats", "1");
    o.put("steps", "12");
    o.put("warmup", "3");
    o.put("out", "bench/results");
    o.put("preset", "");
    return o;
  }

  @Test
  void targetsAreResnet20WeakAtOneTwoAndFourWorkersWithControls() throws Exception {
    Map<String, String> o = defaults();
    String[] args = {"--preset", "targets"};
    ScalingBench.applyPreset(o, args);
    BenchOptions.apply(o, args);
    assertEquals("resnet20", o.get("models"));
    assertEquals("1,2,4", o.get("workers"));
    assertEquals("weak", o.get("modes"));
    assertEquals("syncbn,bn,independent,independent-syncbn", o.get("norms"));
    assertEquals("5", o.get("repeats"));
    assertEquals("30", o.get("steps"));
    assertEquals("10", o.get("warmup"));
  }

  @Test
  void optionsBesideThePresetWinWhereverTheyStand() throws Exception {
    Map<String, String> o = defaults();
    String[] args = {"--repeats", "3", "--preset", "targets", "--out", "x"};
    ScalingBench.applyPreset(o, args);
    BenchOptions.apply(o, args);
    assertEquals("3", o.get("repeats"));
    assertEquals("x", o.get("out"));
    assertEquals("1,2,4", o.get("workers"));
  }

  @Test
  void anUnknownPresetIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScalingBench.applyPreset(defaults(), new String[] {"--preset", "fast"}));
    assertEquals("--preset takes targets, got 'fast'", e.getMessage());
  }
}

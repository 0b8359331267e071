package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deferral A/B summary pairs the on and off runs of the same repeat, and the scaling report
 * summarizes the core probes; the probe itself runs on every core of this machine.
 */
class OverlapBenchTest {
  @TempDir
  Path dir;

  @Test
  void ratiosPairRunsOfTheSameRepeat() {
    List<OverlapBench.Run> runs = List.of(
        new OverlapBench.Run("weak", 2, 1, true, 0.100, 0.005, 0.09),
        new OverlapBench.Run("weak", 2, 1, false, 0.110, 0.010, 0.09),
        // A slow stretch: both variants slow, their ratio still 0.9.
        new OverlapBench.Run("weak", 2, 2, false, 0.300, 0.030, 0.27),
        new OverlapBench.Run("weak", 2, 2, true, 0.270, 0.020, 0.27),
        new OverlapBench.Run("weak", 2, 3, true, 0.105, 0.004, 0.10),
        new OverlapBench.Run("weak", 2, 3, false, 0.100, 0.008, 0.09),
        new OverlapBench.Run("strong", 4, 1, true, 0.200, 0.04, 0.15));
    List<OverlapBench.Row> rows = OverlapBench.summarize(runs);
    assertEquals(2, rows.size());
    OverlapBench.Row weak = rows.get(0);
    assertEquals(3, weak.runs());
    assertEquals(0.105, weak.stepOn(), 1e-12);
    assertEquals(0.110, weak.stepOff(), 1e-12);
    assertEquals(0.005, weak.syncBnOn(), 1e-12);
    assertEquals(0.010, weak.syncBnOff(), 1e-12);
    assertEquals(0.100 / 0.110, weak.ratio(), 1e-12, "median of 0.909, 0.900, 1.05");
    assertEquals(0.9, weak.ratioLow(), 1e-12);
    assertEquals(1.05, weak.ratioHigh(), 1e-12);
    OverlapBench.Row strong = rows.get(1);
    assertEquals(0, strong.runs(), "an unpaired run gives no ratio");
    assertTrue(Double.isNaN(strong.ratio()));
    String md = OverlapBench.markdown(Map.of("model", "resnet20", "steps", "30", "warmup", "10", "repeats", "3",
        "timing", "while-waiting"),
        rows, Instant.EPOCH, Instant.EPOCH);
    assertTrue(md.contains("| weak | 2 | 105.0 | 110.0 | 5.0 | 10.0 | 0.909 (0.900–1.050) |"), md);
    assertTrue(md.contains("on (while-waiting) against off"), md);
  }

  @Test
  void medianOfEvenCountsIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, OverlapBench.median(new double[] {1, 2, 3, 4}), 0);
    assertEquals(2, OverlapBench.median(new double[] {1, 2, 3}), 0);
    assertTrue(Double.isNaN(OverlapBench.median(new double[0])));
  }

  @Test
  void coreSummaryGivesMediansRangesAndTheWorstSlowdown() throws Exception {
    Path csv = dir.resolve("scaling-cores.csv");
    CoreProbe.append(csv, 1, new CoreProbe.Speeds(new double[] {1.0, 1.6}, new double[] {1.4, 2.0},
        new double[] {10, 12}, new double[] {11, 13}));
    CoreProbe.append(csv, 2, new CoreProbe.Speeds(new double[] {1.1, 1.2}, new double[] {1.3, 1.5},
        new double[] {10, 12}, new double[] {11, 14}));
    CoreProbe.append(csv, 3, new CoreProbe.Speeds(new double[] {0.9, 1.3}, new double[] {1.2, 1.8},
        new double[] {10, 12}, new double[] {11, 15}));
    assertEquals(7, Files.readAllLines(csv).size(), "a header and a line per core and repeat");
    String s = CoreProbe.summary(csv);
    assertTrue(s.contains("core 0 alone 1.000 (0.900–1.100), together 1.300 (1.200–1.400)"), s);
    assertTrue(s.contains("core 1 alone 1.300 (1.200–1.600), together 1.800 (1.500–2.000)"), s);
    assertTrue(s.contains("(slowest core together / fastest core alone: 1.80)"), s);
    assertTrue(s.contains("core 1 alone 12.0 (12.0–12.0), together 14.0 (13.0–15.0)"), s);
    assertTrue(s.contains("(slowest core together / fastest core alone: 1.40)"), s);
    // A file of the first version (no stream columns) still reads: product only.
    Path old = dir.resolve("old.csv");
    Files.writeString(old, "time,repeat,core,alone_ms,together_ms\nt,1,0,1.0,1.5\n");
    String o = CoreProbe.summary(old);
    assertTrue(o.contains("core 0 alone 1.000 (1.000–1.000), together 1.500") && !o.contains("Stream"), o);
  }

  @Test
  void theProbeTimesEveryCoreAloneAndTogether() throws Exception {
    CoreProbe.Speeds s = CoreProbe.measure(ScalingRun.tasksetAvailable());
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(cores, s.alone().length);
    assertEquals(cores, s.together().length);
    for (int k = 0; k < cores; k++) {
      // 0.9 M multiply-adds, 48 MB streamed: between a microsecond and a few seconds anywhere.
      for (double[] v : new double[][] {s.alone(), s.together(), s.streamAlone(), s.streamTogether()}) {
        assertTrue(v[k] > 1e-3 && v[k] < 5e3, s.describe());
      }
    }
    assertTrue(s.worstSlowdown() > 0, s.describe());
  }
}

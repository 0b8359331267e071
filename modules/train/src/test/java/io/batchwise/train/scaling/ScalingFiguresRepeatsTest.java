package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repeated points: the reported run is the one of median step time, and the SyncBN/BN target is
 * judged on the median of ratios between runs made next to each other.
 */
class ScalingFiguresRepeatsTest {

  private static ScalingRun.Measured run(String norm, int workers, double stepMs) {
    ScalingRun.Point p = new ScalingRun.Point("resnet20", norm, workers, 16 * workers, 12, 3, "opencl", 256);
    double step = stepMs / 1e3;
    return new ScalingRun.Measured(p, step, step * 0.9, step * 0.9, step * 0.1, 0, 0, 16 * workers / step);
  }

  @Test
  void theMedianRunIsARealRunOfMiddleStepTime() {
    ScalingRun.Measured a = run("syncbn", 4, 400);
    ScalingRun.Measured b = run("syncbn", 4, 350);
    ScalingRun.Measured c = run("syncbn", 4, 500);
    assertSame(a, ScalingFigures.medianRun(List.of(a, b, c)));
    assertSame(b, ScalingFigures.medianRun(List.of(c, b)), "even count: the lower middle run");
    assertSame(c, ScalingFigures.medianRun(List.of(c)));
  }

  @Test
  void pairedRatiosCompareEachRepeatWithItsNeighbour() {
    List<ScalingRun.Measured> sync = List.of(run("syncbn", 4, 440), run("syncbn", 4, 380), run("syncbn", 4, 500));
    List<ScalingRun.Measured> bn = List.of(run("bn", 4, 400), run("bn", 4, 400), run("bn", 4, 400));
    ScalingFigures.Repeats r = ScalingFigures.Repeats.of(sync, bn);
    assertEquals(3, r.count());
    assertEquals(0.380, r.stepMin(), 1e-12);
    assertEquals(0.500, r.stepMax(), 1e-12);
    assertArrayEquals(new double[] {0.95, 1.10, 1.25}, r.overBn(), 1e-12);
    assertEquals(1.10, r.overBnMedian(), 1e-12);
    assertEquals(0, ScalingFigures.Repeats.of(bn, null).overBn().length, "BN has no ratio to itself");
    assertTrue(Double.isNaN(ScalingFigures.Repeats.of(bn, null).overBnMedian()));
    // Even count: the mean of the middle two.
    assertEquals(1.025, ScalingFigures.Repeats.of(sync.subList(0, 2), bn.subList(0, 2)).overBnMedian(), 1e-12);
  }

  @Test
  void rowsCarryTheSpreadAndTheTargetUsesThePairedMedian() {
    List<ScalingRun.Measured> sync = List.of(run("syncbn", 4, 440), run("syncbn", 4, 380), run("syncbn", 4, 500));
    List<ScalingRun.Measured> bn = List.of(run("bn", 4, 400), run("bn", 4, 390), run("bn", 4, 420));
    ScalingRun.Measured syncMedian = ScalingFigures.medianRun(sync);
    ScalingRun.Measured bnMedian = ScalingFigures.medianRun(bn);
    Map<ScalingRun.Measured, ScalingFigures.Repeats> spread = new IdentityHashMap<>();
    spread.put(syncMedian, ScalingFigures.Repeats.of(sync, bn));
    spread.put(bnMedian, ScalingFigures.Repeats.of(bn, null));
    List<Map<String, Object>> rows = ScalingFigures.rows(List.of(syncMedian, bnMedian), List.of("weak", "weak"),
        spread);
    Map<String, Object> s = rows.get(0);
    assertEquals(3.0, (double) s.get("repeats"));
    assertEquals(380.0, (double) s.get("step_ms_min"), 1e-9);
    assertEquals(500.0, (double) s.get("step_ms_max"), 1e-9);
    // Paired: 440/400, 380/390, 500/420 -> median 1.1; the medians' ratio would be 440/400 as well,
    // so check the extremes, which only the pairing gives.
    assertEquals(1.1, (double) s.get("step_over_bn_paired"), 1e-12);
    assertEquals(380.0 / 390, (double) s.get("step_over_bn_paired_min"), 1e-12);
    assertEquals(500.0 / 420, (double) s.get("step_over_bn_paired_max"), 1e-12);
    assertFalse(rows.get(1).containsKey("step_over_bn_paired"));

    List<Map<String, Object>> targets = ScalingFigures.targets(rows);
    assertEquals(1, targets.size());
    Map<String, Object> t = targets.get(0);
    assertEquals(1.1, (double) t.get("measured"), 1e-12);
    assertFalse((boolean) t.get("met"));
    assertTrue(((String) t.get("target")).contains("median of 3 paired runs"), (String) t.get("target"));

    String csv = ScalingFigures.csv(rows);
    assertTrue(csv.lines().findFirst().orElseThrow().contains("step_over_bn_paired,step_over_bn_paired_min,step_over_bn_paired_max"), csv);
  }

  /** The main report takes in the targets of the repeated runs when scaling-repeats/ has them. */
  @Test
  void theReportShowsTheTargetsOfTheRepeatedRuns(@TempDir Path out) throws Exception {
    List<ScalingRun.Measured> single = List.of(run("syncbn", 1, 120), run("bn", 1, 120), run("syncbn", 4, 500),
        run("bn", 4, 400));
    List<String> modes = List.of("weak", "weak", "weak", "weak");
    Files.writeString(out.resolve("scaling-runs.csv"), ScalingFigures.csv(ScalingFigures.rows(single, modes)));
    Files.writeString(out.resolve("scaling-runs-meta.csv"), "key,value\nload_before,1 1 1\nload_after,1 1 1\n"
        + "run_seconds,1\nsetting.steps,12\nsetting.warmup,3\n");

    List<ScalingRun.Measured> sync = List.of(run("syncbn", 4, 400), run("syncbn", 4, 410), run("syncbn", 4, 420));
    List<ScalingRun.Measured> bn = List.of(run("bn", 4, 400), run("bn", 4, 400), run("bn", 4, 400));
    Map<ScalingRun.Measured, ScalingFigures.Repeats> spread = new IdentityHashMap<>();
    ScalingRun.Measured s = ScalingFigures.medianRun(sync);
    ScalingRun.Measured b = ScalingFigures.medianRun(bn);
    spread.put(s, ScalingFigures.Repeats.of(sync, bn));
    spread.put(b, ScalingFigures.Repeats.of(bn, null));
    Files.createDirectories(out.resolve("scaling-repeats"));
    Files.writeString(out.resolve("scaling-repeats/scaling-runs.csv"),
        ScalingFigures.csv(ScalingFigures.rows(List.of(s, b), List.of("weak", "weak"), spread)));

    ScalingReport.report(out);
    String md = Files.readString(out.resolve("scaling.md"));
    int at = md.indexOf("The same targets on repeated runs");
    assertTrue(at > 0, md);
    // Single run: 500/400 = 1.25, missed; repeated: median of 1.00, 1.025, 1.05 = 1.025, met.
    assertTrue(md.substring(0, at).contains("| 1.250 | **no** |"), md);
    assertTrue(md.substring(at).contains("(median of 3 paired runs) | <= 1.05 | 1.025 | yes |"), md);
  }
}

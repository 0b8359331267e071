package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SyncBN's efficiency is measured against the faster of the two 1-worker runs. */
class ScalingBenchBaselineTest {

  private static ScalingRun.Measured run(String norm, int workers, double imagesPerSecond) {
    ScalingRun.Point p = new ScalingRun.Point("resnet20", norm, workers, 16 * workers, 12, 3, "opencl", 256);
    double step = 16.0 * workers / imagesPerSecond;
    return new ScalingRun.Measured(p, step, step, step, 0, 0, 0, imagesPerSecond);
  }

  @Test
  void syncBnTakesTheFasterOneWorkerRunOtherNormsTheirOwn() {
    ScalingRun.Measured slowSync = run("syncbn", 1, 80);
    ScalingRun.Measured bn = run("bn", 1, 100);
    List<ScalingRun.Measured> runs = List.of(slowSync, bn, run("syncbn", 2, 170), run("bn", 2, 190));
    List<String> modes = List.of("weak", "weak", "weak", "weak");
    assertSame(bn, ScalingBench.oneWorkerBaseline(runs, modes, "resnet20", "syncbn", "weak"));
    assertSame(bn, ScalingBench.oneWorkerBaseline(runs, modes, "resnet20", "bn", "weak"));

    List<Map<String, Object>> rows = ScalingBench.rows(runs, modes);
    // 170 / (2 × 100), not 170 / (2 × 80) > 1.
    assertEquals(0.85, (double) rows.get(2).get("efficiency"), 1e-12);
    assertEquals(0.95, (double) rows.get(3).get("efficiency"), 1e-12);

    ScalingRun.Measured fastSync = run("syncbn", 1, 120);
    List<ScalingRun.Measured> other = List.of(fastSync, bn);
    assertSame(fastSync, ScalingBench.oneWorkerBaseline(other, modes.subList(0, 2), "resnet20", "syncbn",
        "weak"));
  }
}

package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SyncBN's efficiency is measured against the faster of the two 1-worker runs; independent jobs
 * against BN's, and they set the ceiling the norms are compared with.
 */
class ScalingFiguresBaselineTest {

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
    assertSame(bn, ScalingFigures.oneWorkerBaseline(runs, modes, "resnet20", "syncbn", "weak"));
    assertSame(bn, ScalingFigures.oneWorkerBaseline(runs, modes, "resnet20", "bn", "weak"));

    List<Map<String, Object>> rows = ScalingFigures.rows(runs, modes);
    // 170 / (2 × 100), not 170 / (2 × 80) > 1.
    assertEquals(0.85, (double) rows.get(2).get("efficiency"), 1e-12);
    assertEquals(0.95, (double) rows.get(3).get("efficiency"), 1e-12);

    ScalingRun.Measured fastSync = run("syncbn", 1, 120);
    List<ScalingRun.Measured> other = List.of(fastSync, bn);
    assertSame(fastSync, ScalingFigures.oneWorkerBaseline(other, modes.subList(0, 2), "resnet20", "syncbn",
        "weak"));
  }

  @Test
  void independentJobsAreMeasuredAgainstOneBnJobAndSetTheCeiling() {
    ScalingRun.Measured bn1 = run("bn", 1, 100);
    List<ScalingRun.Measured> runs = List.of(run("syncbn", 1, 90), bn1, run("syncbn", 2, 160), run("bn", 2, 170),
        run(ScalingRun.INDEPENDENT, 2, 180), run(ScalingRun.INDEPENDENT_SYNCBN, 2, 175));
    List<String> modes = List.of("weak", "weak", "weak", "weak", "weak", "weak");
    assertSame(bn1, ScalingFigures.oneWorkerBaseline(runs, modes, "resnet20", ScalingRun.INDEPENDENT, "weak"));
    List<Map<String, Object>> rows = ScalingFigures.rows(runs, modes);
    assertEquals(0.90, (double) rows.get(4).get("efficiency"), 1e-12);

    List<Map<String, Object>> ceilings = ScalingFigures.ceilings(rows);
    assertEquals(1, ceilings.size(), ceilings.toString());
    Map<String, Object> c = ceilings.get(0);
    assertEquals(2, c.get("workers"));
    assertEquals(0.90, (double) c.get("ceiling"), 1e-12);
    assertEquals(0.80, (double) c.get("syncbn"), 1e-12);
    assertEquals(0.80 / 0.90, (double) c.get("syncbn_of_ceiling"), 1e-12);
    assertEquals(0.85 / 0.90, (double) c.get("bn_of_ceiling"), 1e-12);
    assertEquals(0.875, (double) c.get("independent_syncbn"), 1e-12);
    // Jobs of equal speed: waiting for the slowest costs nothing.
    assertEquals(0.90, (double) c.get("lock_step_ceiling"), 1e-12);

    // Two independent jobs at 160 and 200 ms (mean 180): the lock-step ceiling is 1-worker / 200.
    ScalingRun.Point two = new ScalingRun.Point("resnet20", ScalingRun.INDEPENDENT, 2, 32, 12, 3, "opencl", 256);
    ScalingRun.Measured uneven = new ScalingRun.Measured(two, 0.180, 0.180, 0.200, 0, 0, 0, 32 / 0.180);
    List<Map<String, Object>> r2 = ScalingFigures.rows(List.of(run("bn", 1, 100), uneven), List.of("weak", "weak"));
    Map<String, Object> c2 = ScalingFigures.ceilings(r2).get(0);
    assertEquals(0.16 / 0.180, (double) c2.get("ceiling"), 1e-12);
    assertEquals(0.16 / 0.200, (double) c2.get("lock_step_ceiling"), 1e-12);
    // The ceiling is not a target: the targets still read SyncBN's own efficiency.
    assertEquals(0.80, (double) ScalingFigures.targets(rows).get(0).get("measured"), 1e-12);
  }

  @Test
  void independentJobsNeedAnEvenSplit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ScalingRun.Point("resnet20", ScalingRun.INDEPENDENT, 3, 32, 12, 3, "opencl", 256));
    assertEquals(true, e.getMessage().contains("32 over 3"), e.getMessage());
  }

  @Test
  void runSettingsDefaultToTheTrainerAndRefuseNonsense() {
    ScalingRun.Settings d = ScalingRun.Settings.defaults(false);
    assertEquals(io.batchwise.collective.CollectiveConfig.DEFAULT_YIELD_MICROS, d.yieldMicros());
    assertEquals(io.batchwise.train.parallel.GradientBuckets.DEFAULT_BUCKET_BYTES, d.bucketBytes());
    assertEquals(true, d.sharedMemory());
    assertEquals(io.batchwise.train.parallel.WeightGradientTiming.DEFAULT, d.weightGradients());
    assertEquals(50, d.withYieldMicros(50).yieldMicros());
    assertEquals(4096, d.withBucketBytes(4096).withSharedMemory(false).bucketBytes());
    assertThrows(IllegalArgumentException.class, () -> d.withYieldMicros(-1));
    assertThrows(IllegalArgumentException.class, () -> d.withBucketBytes(0));
  }
}

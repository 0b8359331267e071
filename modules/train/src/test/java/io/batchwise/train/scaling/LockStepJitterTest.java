package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The invariants of {@link LockStepJitter}, as properties over random step samples. */
class LockStepJitterTest {

  private static double[][] randomSteps(SplittableRandom r, int steps, int segments) {
    double[][] s = new double[steps][segments];
    for (int i = 0; i < steps; i++) {
      for (int j = 0; j < segments; j++) {
        s[i][j] = 1e-3 * (1 + r.nextDouble()) + (r.nextInt(20) == 0 ? 2e-3 : 0);
      }
    }
    return s;
  }

  @Test
  void ownAtMostOncePerStepAtMostLockStep() {
    SplittableRandom r = new SplittableRandom(3);
    for (int trial = 0; trial < 50; trial++) {
      double[][] s = randomSteps(r, 1 + r.nextInt(30), 1 + r.nextInt(40));
      for (int w : new int[] {1, 2, 3, 8}) {
        LockStepJitter.Cost c = LockStepJitter.cost(s, w, 200, trial);
        assertTrue(c.own() <= c.oncePerStep() + 1e-15 && c.oncePerStep() <= c.lockStep() + 1e-15, c.toString());
        if (w == 1) {
          // Invariant 3: one worker waits for nobody.
          assertEquals(c.own(), c.lockStep(), 1e-12);
          assertEquals(c.own(), c.oncePerStep(), 1e-12);
        }
      }
    }
  }

  @Test
  void identicalStepsCostNothing() {
    double[] step = {1e-3, 2e-3, 0.5e-3};
    LockStepJitter.Cost c = LockStepJitter.cost(new double[][] {step, step.clone(), step.clone()}, 4, 100, 1);
    assertEquals(3.5e-3, c.own(), 1e-12);
    assertEquals(c.own(), c.lockStep(), 1e-12);
    assertEquals(c.own(), c.oncePerStep(), 1e-12);
  }

  @Test
  void aStallInEitherWorkerDelaysBothInLockStep() {
    // Two kinds of step: calm, or one segment 2 ms late. Lock step pays every stall of every worker;
    // once per step only the larger total.
    double[][] s = {{1e-3, 1e-3}, {3e-3, 1e-3}};
    LockStepJitter.Cost c = LockStepJitter.cost(s, 2, 20000, 5);
    assertEquals(3e-3, c.own(), 1e-4);              // half the steps have the stall
    assertEquals(2e-3 + 0.75 * 2e-3, c.lockStep(), 1e-4); // a stall unless both calm (1/4)
    assertEquals(c.lockStep(), c.oncePerStep(), 1e-12);   // one segment differs: both measures agree
  }

  @Test
  void stallsAreSegmentTimesWellOverTheirMedian() {
    double[][] s = {{1e-3, 2e-3}, {1e-3, 2e-3}, {3e-3, 2e-3}, {1e-3, 2.1e-3}};
    LockStepJitter.Stalls st = LockStepJitter.stalls(s, 0.5e-3);
    assertEquals(3e-3, st.sumOfMedians(), 1e-12);
    assertEquals(0.25, st.stallsPerStep(), 1e-12);
    assertEquals(2e-3, st.medianStall(), 1e-12);
    assertEquals(0.5e-3, st.stallExcessPerStep(), 1e-12);
    assertEquals((2e-3 + 0.1e-3) / 4, st.excessPerStep(), 1e-12);
    assertEquals(3e-3 + st.excessPerStep(), st.meanStep(), 1e-12);
    assertTrue(Double.isNaN(st.cpuShare()) && Double.isNaN(st.cpuShareInStalls()));
    // With CPU times: the process ran through the calm segments, half of the stalled one.
    double[][] cpu = {{1e-3, 2e-3}, {1e-3, 2e-3}, {1.5e-3, 2e-3}, {1e-3, 2.1e-3}};
    LockStepJitter.Stalls withCpu = LockStepJitter.stalls(s, cpu, 0.5e-3);
    assertEquals(0.5, withCpu.cpuShareInStalls(), 1e-12);
    assertEquals(12.6e-3 / 14.1e-3, withCpu.cpuShare(), 1e-12);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> LockStepJitter.stalls(s, new double[][] {{1, 2}}, 0.5e-3)).getMessage().contains("CPU times"));
  }

  @Test
  void badSamplesAreRefusedByName() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> LockStepJitter.cost(new double[0][], 2, 1, 1))
        .getMessage().contains("no measured steps"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> LockStepJitter.stalls(new double[][] {{1}, {1, 2}}, 1)).getMessage().contains("different numbers"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> LockStepJitter.cost(new double[][] {{1}}, 0, 1, 1)).getMessage().contains("workers"));
  }

  /** bench jitter on tiny settings: one pinned worker, lenet-bn; the files and their consistency. */
  @Test
  void stepJitterMeasuresOneWorkerAndWritesTheReport(@TempDir Path out) throws Exception {
    String last = String.valueOf(Runtime.getRuntime().availableProcessors() - 1);
    StepJitter.main(new String[] {"--model", "lenet-bn", "--batch", "8", "--steps", "6", "--warmup", "2",
        "--workers", "2,4", "--draws", "500", "--core", last, "--out", out.toString()});
    List<String> samples = Files.readAllLines(out.resolve("step-jitter-samples.csv"));
    assertEquals(7, samples.size(), String.join("\n", samples));
    // lenet-bn has 2 BatchNorm layers: 4 reductions per step, 5 segments between them.
    assertEquals(6, samples.get(0).split(",").length, samples.get(0));
    String md = Files.readString(out.resolve("step-jitter.md"));
    assertTrue(md.contains("| 2 |") && md.contains("| 4 |"), md);
    String json = Files.readString(out.resolve("step-jitter.json"));
    assertTrue(json.contains("\"lock_step_extra_ms\"") && json.contains("\"stalls_per_step\""), json);
    // A worker held to one core keeps it busy: process CPU time close to wall time.
    assertTrue(md.contains("Process CPU time over wall time"), md);
    assertTrue(!ScalingRun.tasksetAvailable() || md.contains("pinned to core " + last + " with taskset"), md);
  }
}

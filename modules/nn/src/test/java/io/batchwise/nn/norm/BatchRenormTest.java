package io.batchwise.nn.norm;

import static io.batchwise.nn.norm.SyncBatchNormTest.close;
import static io.batchwise.nn.norm.SyncBatchNormTest.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchRenormTest {
  static Device dev;

  @BeforeAll
  static void open() {
    dev = SyncBatchNormTest.smallDevice();
  }

  @AfterAll
  static void shut() {
    dev.close();
  }

  @Test
  void equalsBatchNormWhenRmaxIsOneAndDmaxZero() {
    int[] sample = {3, 2, 2};
    try (BatchRenorm brn = new BatchRenorm(3, RenormSchedule.fixed(1, 0)); BatchNorm bn = new BatchNorm(3)) {
      brn.init(dev, sample, new Random(1));
      bn.init(dev, sample, new Random(1));
      for (var p : new Tensor[][] {{brn.gamma().value(), bn.gamma().value()}, {brn.beta().value(), bn.beta().value()}}) {
        double[] v = data(p[0].size() + 17, p[0].size(), 0.5, 0.4);
        p[0].write(v);
        p[1].write(v);
      }
      for (int step = 0; step < 4; step++) {
        int n = 2 + step;
        Tensor x = dev.allocate(n, 3, 2, 2).write(data(step, n * 12, 2 - step, 1.5));
        Tensor g = dev.allocate(n, 3, 2, 2).write(data(50 + step, n * 12, 0, 1));
        Mode mode = step == 3 ? Mode.EVAL : Mode.TRAIN;
        String at = "step " + step + " ";
        close(bn.forward(x, mode).toDoubleArray(), brn.forward(x, mode).toDoubleArray(), 1e-12, at + "y");
        close(bn.backward(g).toDoubleArray(), brn.backward(g).toDoubleArray(), 1e-12, at + "dx");
        close(bn.gamma().grad().toDoubleArray(), brn.gamma().grad().toDoubleArray(), 1e-12, at + "dγ");
        close(bn.beta().grad().toDoubleArray(), brn.beta().grad().toDoubleArray(), 1e-12, at + "dβ");
        close(bn.runningMean().toDoubleArray(), brn.runningMean().toDoubleArray(), 1e-12, at + "rm");
        close(bn.runningVar().toDoubleArray(), brn.runningVar().toDoubleArray(), 1e-12, at + "rv");
        x.close();
        g.close();
      }
      assertEquals(3, brn.step());
    }
  }

  @Test
  void correctionFollowsTheRunningStatisticsAndIsClipped() {
    try (BatchRenorm brn = new BatchRenorm(2, RenormSchedule.fixed(1.5, 0.5))) {
      brn.init(dev, new int[] {2}, new Random(1));
      brn.runningMean().write(new double[] {0, 10});
      brn.runningVar().write(new double[] {4, 1});
      // Channel 0: values ±1 → mean 0, var 1: r = √(1+eps)/√(4+eps) ≈ 0.5 → clipped to 1/1.5; d = 0.
      // Channel 1: values 10.2 ± 1: σ_B ≈ 1 = σ: r ≈ 1; d = 0.2/√(1+eps) ≈ 0.2 (inside ±0.5).
      Tensor x = dev.allocate(2, 2).write(new double[] {1, 11.2, -1, 9.2});
      Tensor y = brn.forward(x, Mode.TRAIN);
      double[][] rd = brn.lastCorrection();
      assertEquals(1 / 1.5, rd[0][0], 1e-12);
      assertEquals(0, rd[1][0], 1e-12);
      assertEquals(Math.sqrt(1 + 1e-5) / Math.sqrt(1 + 1e-5), rd[0][1], 1e-12);
      assertEquals(0.2 / Math.sqrt(1 + 1e-5), rd[1][1], 1e-9);
      // y = x̂·r + d (γ = 1, β = 0).
      double xhat = 1 / Math.sqrt(1 + 1e-5);
      double[] out = y.toDoubleArray();
      assertEquals(xhat / 1.5, out[0], 1e-9);
      assertEquals(xhat + rd[1][1], out[1], 1e-9);
      x.close();
    }
  }

  @Test
  void scheduleRampsLinearly() {
    RenormSchedule s = RenormSchedule.DEFAULT;
    assertEquals(1, s.rmax(0));
    assertEquals(1, s.rmax(5_000));
    assertEquals(2, s.rmax(22_500), 1e-12);
    assertEquals(3, s.rmax(40_000));
    assertEquals(3, s.rmax(1_000_000));
    assertEquals(0, s.dmax(4_000));
    assertEquals(2.5, s.dmax(15_000), 1e-12);
    assertEquals(5, s.dmax(25_000));
    assertThrows(IllegalArgumentException.class, () -> new RenormSchedule(0.5, 0, 1, 1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new RenormSchedule(2, 10, 1, 1, 0, 1));
  }

  @Test
  void gradientCheckWithRAndDConstant() {
    for (int[] shape : new int[][] {{3, 2, 2}, {3}}) {
      BatchRenorm brn = new BatchRenorm(3, RenormSchedule.fixed(3, 5));
      Map<String, Double> err = GradientCheck.of(brn, dev).input(4, shape)
          .afterInit(() -> {
            brn.gamma().value().write(data(3, 3, 1, 0.3));
            brn.beta().value().write(data(4, 3, 0, 0.3));
            brn.pinCorrection(new double[] {1.3, 0.8, 1.1}, new double[] {0.2, -0.1, 0.3});
          })
          .beforeForward(() -> {
            brn.runningMean().write(new double[] {0.1, -0.2, 0.3});
            brn.runningVar().write(new double[] {1.5, 0.7, 2});
          }).run();
      err.forEach((k, v) -> assertTrue(v < 1e-6, k + " gradient error " + v));
      brn.close();
    }
  }

  @Test
  void gradientCheckEval() {
    BatchRenorm brn = new BatchRenorm(3, RenormSchedule.fixed(3, 5));
    Map<String, Double> err = GradientCheck.of(brn, dev).input(3, 3, 2, 1).mode(Mode.EVAL)
        .afterInit(() -> {
          brn.gamma().value().write(data(3, 3, 1, 0.3));
          brn.runningVar().write(new double[] {1.5, 0.7, 2});
        }).run();
    err.forEach((k, v) -> assertTrue(v < 1e-6, k + " gradient error " + v));
    brn.close();
  }

  @Test
  void synchronizedRenormEqualsRenormOnTheConcatenatedBatch() {
    int[] batches = {2, 0, 3};
    StatisticsReducer[] red = InProcessReducer.partition(3, 3);
    double[] xAll = data(9, 5 * 4, 1, 2);
    var ys = Workers.run(3, rank -> {
      int from = rank == 0 ? 0 : rank == 1 ? 2 : 2;
      try (Device d = SyncBatchNormTest.smallDevice();
           BatchRenorm b = new BatchRenorm(4, BatchNorm.Options.PYTORCH, RenormSchedule.fixed(2, 1), red[rank])) {
        b.init(d, new int[] {4}, new Random(1));
        b.runningVar().write(new double[] {3, 3, 0.5, 0.5});
        Tensor x = d.allocate(batches[rank], 4).write(java.util.Arrays.copyOfRange(xAll, from * 4, (from + batches[rank]) * 4));
        return b.forward(x, Mode.TRAIN).toDoubleArray();
      }
    });
    try (BatchRenorm b = new BatchRenorm(4, RenormSchedule.fixed(2, 1))) {
      b.init(dev, new int[] {4}, new Random(1));
      b.runningVar().write(new double[] {3, 3, 0.5, 0.5});
      Tensor x = dev.allocate(5, 4).write(xAll);
      close(b.forward(x, Mode.TRAIN).toDoubleArray(), SyncBatchNormTest.concat(ys), 1e-12, "synced renorm y");
      x.close();
    }
  }
}

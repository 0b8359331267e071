package io.batchwise.nn.norm;

import static io.batchwise.nn.norm.SyncBatchNormTest.close;
import static io.batchwise.nn.norm.SyncBatchNormTest.data;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.layers.ReLU;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FrozenAndGhostTest {
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
  void frozenBatchNormIsTheEvalTransformOfBatchNorm() {
    try (BatchNorm bn = new BatchNorm(3); FrozenBatchNorm f = new FrozenBatchNorm(3)) {
      bn.init(dev, new int[] {3, 2, 1}, new Random(1));
      f.init(dev, new int[] {3, 2, 1}, new Random(1));
      double[] g = data(1, 3, 1, 0.3);
      double[] b = data(2, 3, 0, 0.3);
      double[] rm = data(3, 3, 0, 1);
      double[] rv = {0.5, 2, 1.3};
      bn.gamma().value().write(g);
      bn.beta().value().write(b);
      bn.runningMean().write(rm);
      bn.runningVar().write(rv);
      f.weight().write(g);
      f.bias().write(b);
      f.runningMean().write(rm);
      f.runningVar().write(rv);
      Tensor x = dev.allocate(4, 3, 2, 1).write(data(4, 24, 0, 2));
      Tensor dy = dev.allocate(4, 3, 2, 1).write(data(5, 24, 0, 1));
      double[] want = bn.forward(x, Mode.EVAL).toDoubleArray();
      double[] wantDx = bn.backward(dy).toDoubleArray();
      close(want, f.forward(x, Mode.TRAIN).toDoubleArray(), 1e-13, "frozen y");
      close(wantDx, f.backward(dy).toDoubleArray(), 1e-13, "frozen dx");
      assertTrue(f.parameters().isEmpty());
      assertEquals(java.util.List.of("weight", "bias", "running_mean", "running_var"),
          f.state().stream().map(s -> s.name()).toList());
      assertArrayEquals(rm, f.runningMean().toDoubleArray());
      x.close();
      dy.close();
    }
    FrozenBatchNorm f = new FrozenBatchNorm(3);
    Map<String, Double> err = GradientCheck.of(f, dev).input(3, 3, 2, 2)
        .afterInit(() -> f.runningVar().write(new double[] {0.5, 2, 1.3})).run();
    err.forEach((k, v) -> assertTrue(v < 1e-6, "frozen " + k + " gradient error " + v));
    f.close();
  }

  @Test
  void freezeSwitchMakesTrainUseRunningStatisticsWhileAffineKeepsLearning() {
    Sequential model = new Sequential().add("bn1", new BatchNorm(2)).add("relu", new ReLU())
        .add("inner", new Sequential().add("bn2", new SyncBatchNorm(2)).add("brn", new BatchRenorm(2)));
    model.init(dev, new int[] {2, 3, 1}, new Random(1));
    Tensor x = dev.allocate(4, 2, 3, 1).write(data(8, 24, 1, 2));
    Tensor dy = dev.allocate(4, 2, 3, 1).write(data(9, 24, 0, 1));
    model.forward(x, Mode.TRAIN);
    assertEquals(3, NormFreeze.freezeStatistics(model, true));
    double[] before = model.state().stream().flatMapToDouble(s -> Arrays.stream(s.value().toDoubleArray())).toArray();
    double[] eval = model.forward(x, Mode.EVAL).toDoubleArray();
    double[] train = model.forward(x, Mode.TRAIN).toDoubleArray();
    assertArrayEquals(eval, train);
    model.backward(dy);
    double[] after = model.state().stream().flatMapToDouble(s -> Arrays.stream(s.value().toDoubleArray())).toArray();
    assertArrayEquals(before, after, "frozen statistics unchanged");
    double gradNorm = model.parameters().stream()
        .flatMapToDouble(p -> Arrays.stream(p.grad().toDoubleArray())).map(Math::abs).sum();
    assertTrue(gradNorm > 0, "γ/β still get gradients");
    NormFreeze.freezeStatistics(model, false);
    model.forward(x, Mode.TRAIN);
    double[] moved = model.state().stream().flatMapToDouble(s -> Arrays.stream(s.value().toDoubleArray())).toArray();
    assertFalse(Arrays.equals(before, moved), "unfrozen: statistics move again");
    assertTrue(NormFreeze.isFrozenEpoch(9, 10, 2));
    assertFalse(NormFreeze.isFrozenEpoch(7, 10, 2));
    model.close();
    x.close();
    dy.close();
  }

  @Test
  void ghostSlices() {
    assertArrayEquals(new int[] {0, 2, 5}, GhostBatchNorm.slices(5, 2));
    assertArrayEquals(new int[] {0, 4, 8, 10}, GhostBatchNorm.slices(10, 4));
    assertArrayEquals(new int[] {0, 3}, GhostBatchNorm.slices(3, 16));
    assertArrayEquals(new int[] {0, 16, 32}, GhostBatchNorm.slices(32, 16));
    assertArrayEquals(new int[] {0, 16, 33}, GhostBatchNorm.slices(33, 16));
  }

  @Test
  void ghostBatchNormIsBatchNormOnEachVirtualBatch() {
    int[] sample = {3, 2, 1};
    int per = 6;
    int n = 7; // virtual 3: slices [0,3), [3,7) (the remainder of one joins the last)
    double[] xv = data(10, n * per, 2, 1.5);
    double[] gv = data(11, n * per, 0, 1);
    double[] gam = data(12, 3, 1, 0.3);
    try (GhostBatchNorm gh = new GhostBatchNorm(3, 3)) {
      gh.init(dev, sample, new Random(1));
      gh.gamma().value().write(gam);
      Tensor x = dev.allocate(n, 3, 2, 1).write(xv);
      Tensor g = dev.allocate(n, 3, 2, 1).write(gv);
      double[] y = gh.forward(x, Mode.TRAIN).toDoubleArray();
      double[] dx = gh.backward(g).toDoubleArray();
      double[] dgam = gh.gamma().grad().toDoubleArray();
      double[] sumDg = new double[3];
      // Reference: one BatchNorm applied to each slice in turn (running stats carried over).
      try (BatchNorm bn = new BatchNorm(3)) {
        bn.init(dev, sample, new Random(1));
        bn.gamma().value().write(gam);
        int[][] sl = {{0, 3}, {3, 7}};
        for (int[] s : sl) {
          int m = s[1] - s[0];
          Tensor xs = dev.allocate(m, 3, 2, 1).write(Arrays.copyOfRange(xv, s[0] * per, s[1] * per));
          Tensor gs = dev.allocate(m, 3, 2, 1).write(Arrays.copyOfRange(gv, s[0] * per, s[1] * per));
          // Same shift as the ghost layer: the running mean at the start of the forward.
          double[] keep = bn.runningMean().toDoubleArray();
          bn.runningMean().write(new double[3]);
          double[] ys = bn.forward(xs, Mode.TRAIN).toDoubleArray();
          double[] newRm = bn.runningMean().toDoubleArray();
          for (int c = 0; c < 3; c++) {
            newRm[c] = newRm[c] + 0.9 * keep[c]; // undo the zero start: (1−m)·keep + m·mean
          }
          bn.runningMean().write(newRm);
          close(ys, Arrays.copyOfRange(y, s[0] * per, s[1] * per), 1e-12, "ghost y slice " + s[0]);
          close(bn.backward(gs).toDoubleArray(), Arrays.copyOfRange(dx, s[0] * per, s[1] * per), 1e-11,
              "ghost dx slice " + s[0]);
          double[] d = bn.gamma().grad().toDoubleArray();
          for (int c = 0; c < 3; c++) {
            sumDg[c] += d[c];
          }
          xs.close();
          gs.close();
        }
        close(sumDg, dgam, 1e-11, "ghost dγ");
        close(bn.runningMean().toDoubleArray(), gh.runningMean().toDoubleArray(), 1e-12, "ghost rm");
        close(bn.runningVar().toDoubleArray(), gh.runningVar().toDoubleArray(), 1e-12, "ghost rv");
      }
      x.close();
      g.close();
    }
  }

  @Test
  void ghostGradientChecks() {
    for (int[] shape : new int[][] {{2, 2, 2}, {3}}) {
      for (Mode mode : Mode.values()) {
        GhostBatchNorm gh = new GhostBatchNorm(shape[0], 2);
        Map<String, Double> err = GradientCheck.of(gh, dev).input(5, shape).mode(mode)
            .afterInit(() -> gh.gamma().value().write(data(3, shape[0], 1, 0.3)))
            .beforeForward(() -> {
              gh.runningMean().write(new double[shape[0]]);
              double[] ones = new double[shape[0]];
              Arrays.fill(ones, 1.5);
              gh.runningVar().write(ones);
            }).run();
        err.forEach((k, v) -> assertTrue(v < 1e-6, "ghost " + mode + " " + k + " gradient error " + v));
        gh.close();
      }
    }
  }
}

package io.batchwise.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchNormTest {
  static Device device;

  @BeforeAll
  static void open() {
    device = TestDevices.reference();
  }

  @AfterAll
  static void close() {
    device.close();
  }

  static double[] randomValues(int size, long seed, double mean, double std) {
    Random r = new Random(seed);
    double[] v = new double[size];
    for (int i = 0; i < v.length; i++) {
      v[i] = mean + std * r.nextGaussian();
    }
    return v;
  }

  static Tensor upload(double[] v, int... shape) {
    return device.allocate(shape).write(v);
  }

  /** Per-channel mean and biased variance of NCHW data, two-pass in double. */
  static double[][] stats(double[] x, int n, int c, int inner) {
    double[] mean = new double[c];
    double[] var = new double[c];
    for (int ch = 0; ch < c; ch++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < inner; k++) {
          s += x[(i * c + ch) * inner + k];
        }
      }
      mean[ch] = s / (n * inner);
      double q = 0;
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < inner; k++) {
          double d = x[(i * c + ch) * inner + k] - mean[ch];
          q += d * d;
        }
      }
      var[ch] = q / (n * inner);
    }
    return new double[][] {mean, var};
  }

  static void setAffine(BatchNorm bn, long seed) {
    int c = bn.gamma().value().size();
    bn.gamma().value().write(randomValues(c, seed, 1.0, 0.3));
    bn.beta().value().write(randomValues(c, seed + 1, 0.0, 0.5));
  }

  static void assertClose(double[] expected, double[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
    }
  }

  // ------------------------------------------------------------------ gradients

  static void checkGradients(String label, BatchNorm bn, Mode mode, int n, int... shape) {
    Map<String, Double> errors = GradientCheck.of(bn, device).input(n, shape).mode(mode)
        .afterInit(() -> {
          setAffine(bn, 5);
          if (mode == Mode.EVAL) {
            int c = shape[0];
            bn.runningMean().write(randomValues(c, 8, 0.1, 0.2));
            bn.runningVar().write(Arrays.stream(randomValues(c, 9, 0, 1)).map(v -> 0.5 + v * v).toArray());
          }
        }).run();
    double worst = errors.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    System.out.printf("gradient check %-40s max rel err %.2e  %s%n", label, worst, errors);
    errors.forEach((name, e) -> assertTrue(e <= 1e-6, label + " " + name + ": relative error " + e));
    bn.close();
  }

  @Test
  void gradientNchwTrain() {
    checkGradients("BatchNorm NCHW TRAIN (3 ch, 5x3, n=4)", new BatchNorm(3), Mode.TRAIN, 4, 3, 5, 3);
  }

  @Test
  void gradientNcTrain() {
    checkGradients("BatchNorm NC TRAIN (5 features, n=6)", new BatchNorm(5), Mode.TRAIN, 6, 5);
  }

  @Test
  void gradientNchwEval() {
    checkGradients("BatchNorm NCHW EVAL (frozen statistics)", new BatchNorm(3), Mode.EVAL, 3, 3, 2, 4);
  }

  // ------------------------------------------------------------------ forward and running statistics

  @Test
  void trainNormalizesWithBatchStatisticsAndUpdatesRunningStatsPyTorchStyle() {
    int n = 4;
    int c = 3;
    int inner = 6;
    try (BatchNorm bn = new BatchNorm(c)) {
      bn.init(device, new int[] {c, 2, 3}, new Random(1));
      setAffine(bn, 11);
      double[] gamma = bn.gamma().value().toDoubleArray();
      double[] beta = bn.beta().value().toDoubleArray();
      double[] rm = new double[c];
      double[] rv = {1, 1, 1};
      for (int step = 0; step < 3; step++) {
        double[] xv = randomValues(n * c * inner, 100 + step, 3.0 + step, 2.0);
        try (Tensor x = upload(xv, n, c, 2, 3)) {
          double[] y = bn.forward(x, Mode.TRAIN).toDoubleArray();
          double[][] s = stats(xv, n, c, inner);
          double[] expect = new double[xv.length];
          for (int i = 0; i < xv.length; i++) {
            int ch = (i / inner) % c;
            expect[i] = gamma[ch] * (xv[i] - s[0][ch]) / Math.sqrt(s[1][ch] + 1e-5) + beta[ch];
          }
          assertClose(expect, y, 1e-12, "y step " + step);
          int count = n * inner;
          for (int ch = 0; ch < c; ch++) {
            rm[ch] = 0.9 * rm[ch] + 0.1 * s[0][ch];
            rv[ch] = 0.9 * rv[ch] + 0.1 * s[1][ch] * count / (count - 1);
          }
          assertClose(rm, bn.runningMean().toDoubleArray(), 1e-12, "running mean step " + step);
          assertClose(rv, bn.runningVar().toDoubleArray(), 1e-12, "running var step " + step);
        }
      }
    }
  }

  @Test
  void kerasConventionWeighsTheOldValueAndKeepsBiasedVariance() {
    int n = 5;
    int c = 2;
    try (BatchNorm bn = new BatchNorm(c, BatchNorm.Options.KERAS)) {
      bn.init(device, new int[] {c}, new Random(1));
      double[] xv = randomValues(n * c, 3, -1.0, 0.7);
      try (Tensor x = upload(xv, n, c)) {
        double[] y = bn.forward(x, Mode.TRAIN).toDoubleArray();
        double[][] s = stats(xv, n, c, 1);
        double[] rm = new double[c];
        double[] rv = new double[c];
        for (int ch = 0; ch < c; ch++) {
          rm[ch] = 0.01 * s[0][ch];
          rv[ch] = 0.99 + 0.01 * s[1][ch];
        }
        assertClose(rm, bn.runningMean().toDoubleArray(), 1e-12, "running mean");
        assertClose(rv, bn.runningVar().toDoubleArray(), 1e-12, "running var");
        for (int i = 0; i < y.length; i++) {
          int ch = i % c;
          assertEquals((xv[i] - s[0][ch]) / Math.sqrt(s[1][ch] + 1e-3), y[i], 1e-12);
        }
      }
    }
  }

  @Test
  void evalUsesRunningStatisticsAndLeavesThemAlone() {
    int c = 2;
    try (BatchNorm bn = new BatchNorm(c)) {
      bn.init(device, new int[] {c, 2, 2}, new Random(1));
      setAffine(bn, 3);
      double[] gamma = bn.gamma().value().toDoubleArray();
      double[] beta = bn.beta().value().toDoubleArray();
      double[] rm = {0.5, -2.0};
      double[] rv = {4.0, 0.25};
      bn.runningMean().write(rm);
      bn.runningVar().write(rv);
      double[] xv = randomValues(3 * c * 4, 17, 1.0, 3.0);
      try (Tensor x = upload(xv, 3, c, 2, 2)) {
        double[] y = bn.forward(x, Mode.EVAL).toDoubleArray();
        for (int i = 0; i < y.length; i++) {
          int ch = (i / 4) % c;
          assertEquals(gamma[ch] * (xv[i] - rm[ch]) / Math.sqrt(rv[ch] + 1e-5) + beta[ch], y[i], 1e-12);
        }
      }
      assertArrayEquals(rm, bn.runningMean().toDoubleArray(), 0);
      assertArrayEquals(rv, bn.runningVar().toDoubleArray(), 0);
    }
  }

  @Test
  void oneValuePerChannelInTrainingIsAClearError() {
    try (BatchNorm bn = new BatchNorm(3); Tensor x = upload(new double[] {1, 2, 3}, 1, 3)) {
      bn.init(device, new int[] {3}, new Random(1));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(x, Mode.TRAIN));
      assertTrue(e.getMessage().contains("one value per channel"), e.getMessage());
      // EVAL with one sample is fine.
      assertEquals(3, bn.forward(x, Mode.EVAL).size());
    }
    // One sample is fine when it has several spatial positions.
    try (BatchNorm bn = new BatchNorm(1); Tensor x = upload(new double[] {1, 2, 3, 5}, 1, 1, 2, 2)) {
      bn.init(device, new int[] {1, 2, 2}, new Random(1));
      assertEquals(4, bn.forward(x, Mode.TRAIN).size());
    }
  }

  @Test
  void emptyBatchUpdatesNothingAndGivesEmptyGradients() {
    try (BatchNorm bn = new BatchNorm(2); Tensor x = device.allocate(0, 2, 3, 3);
         Tensor dy = device.allocate(0, 2, 3, 3)) {
      bn.init(device, new int[] {2, 3, 3}, new Random(1));
      Tensor y = bn.forward(x, Mode.TRAIN);
      assertArrayEquals(new int[] {0, 2, 3, 3}, y.shape());
      assertArrayEquals(new double[] {0, 0}, bn.runningMean().toDoubleArray(), 0);
      assertArrayEquals(new double[] {1, 1}, bn.runningVar().toDoubleArray(), 0);
      Tensor dx = bn.backward(dy);
      assertArrayEquals(new int[] {0, 2, 3, 3}, dx.shape());
      assertArrayEquals(new double[] {0, 0}, bn.gamma().grad().toDoubleArray(), 0);
      assertArrayEquals(new double[] {0, 0}, bn.beta().grad().toDoubleArray(), 0);
    }
  }

  @Test
  void namesKindsAndState() {
    try (BatchNorm bn = new BatchNorm(4)) {
      bn.init(device, new int[] {4, 2, 2}, new Random(1));
      List<Parameter> ps = bn.parameters();
      assertEquals(List.of("weight", "bias"), ps.stream().map(Parameter::name).toList());
      assertTrue(ps.stream().allMatch(p -> p.kind() == Parameter.Kind.NORM));
      assertEquals(List.of("running_mean", "running_var"), bn.state().stream().map(StateBuffer::name).toList());
      assertArrayEquals(new double[] {1, 1, 1, 1}, bn.gamma().value().toDoubleArray(), 0);
    }
    BatchNorm wrong = new BatchNorm(4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> wrong.init(device, new int[] {3, 2, 2}, new Random(1)));
    assertTrue(e.getMessage().contains("4 channels"), e.getMessage());
  }

  /**
   * The reducer seam: a reducer that doubles every sum behaves like a second worker holding an
   * identical batch. Normalization and dx are unchanged; the running variance's Bessel factor uses
   * the global count 2·S0; dγ, dβ stay local (not doubled).
   */
  @Test
  void statisticsReducerIsTheOnlySeam() {
    int n = 3;
    int c = 2;
    int inner = 4;
    StatisticsReducer twin = v -> {
      for (int i = 0; i < v.length; i++) {
        v[i] *= 2;
      }
    };
    class TwinBatchNorm extends BatchNorm {
      TwinBatchNorm() {
        super(c, Options.PYTORCH, twin);
      }
    }
    double[] xv = randomValues(n * c * inner, 21, 0.3, 1.5);
    double[] dyv = randomValues(n * c * inner, 22, 0, 1);
    try (BatchNorm local = new BatchNorm(c); BatchNorm synced = new TwinBatchNorm();
         Tensor x = upload(xv, n, c, 2, 2); Tensor dy = upload(dyv, n, c, 2, 2)) {
      local.init(device, new int[] {c, 2, 2}, new Random(1));
      synced.init(device, new int[] {c, 2, 2}, new Random(1));
      assertClose(local.forward(x, Mode.TRAIN).toDoubleArray(), synced.forward(x, Mode.TRAIN).toDoubleArray(), 1e-12, "y");
      assertClose(local.backward(dy).toDoubleArray(), synced.backward(dy).toDoubleArray(), 1e-12, "dx");
      assertClose(local.gamma().grad().toDoubleArray(), synced.gamma().grad().toDoubleArray(), 1e-12, "dgamma");
      assertClose(local.beta().grad().toDoubleArray(), synced.beta().grad().toDoubleArray(), 1e-12, "dbeta");
      double[][] s = stats(xv, n, c, inner);
      int count = 2 * n * inner;
      for (int ch = 0; ch < c; ch++) {
        assertEquals(0.9 + 0.1 * s[1][ch] * count / (count - 1), synced.runningVar().toDoubleArray()[ch], 1e-12);
      }
    }
  }
}

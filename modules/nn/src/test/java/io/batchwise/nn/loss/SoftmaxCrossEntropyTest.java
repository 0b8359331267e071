package io.batchwise.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SoftmaxCrossEntropyTest {
  private final ReferenceDevice device = new ReferenceDevice(new DeviceOptions(1, 1));
  private final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(device);

  @AfterEach
  void close() {
    loss.close();
    device.close();
  }

  private Tensor logits(double[] values, int n, int k) {
    return device.allocate(n, k).write(values);
  }

  private Tensor labels(float... ids) {
    return device.upload(ids, ids.length);
  }

  @Test
  void gradientMatchesCentralDifferencesInDouble() {
    int n = 3;
    int k = 5;
    Random rng = new Random(7);
    double[] x = new double[n * k];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextGaussian() * 2;
    }
    Tensor y = labels(4, 0, 2);
    Tensor z = logits(x, n, k);
    loss.forward(z, y);
    double[] analytic = loss.backward(1.0).toDoubleArray();

    double h = 1e-5;
    for (int i = 0; i < x.length; i++) {
      double saved = x[i];
      x[i] = saved + h;
      double up = loss.forward(z.write(x), y);
      x[i] = saved - h;
      double down = loss.forward(z.write(x), y);
      x[i] = saved;
      double numeric = (up - down) / (2 * h);
      assertEquals(numeric, analytic[i], 1e-8 * Math.max(1, Math.abs(numeric)), "dlogits[" + i + "]");
    }
  }

  @Test
  void lossValueIsLogKForUniformLogitsAndScaleMultipliesTheGradient() {
    int n = 4;
    int k = 10;
    Tensor z = logits(new double[n * k], n, k);
    double sum = loss.forward(z, labels(0, 3, 9, 5));
    assertEquals(n * Math.log(k), sum, 1e-12);
    double[] g = loss.backward(0.25).toDoubleArray();
    // Row 1, label 3: 0.25 · (1/10 − 1) at the label, 0.25 · 1/10 elsewhere.
    assertEquals(0.25 * (0.1 - 1), g[k + 3], 1e-12);
    assertEquals(0.25 * 0.1, g[k + 4], 1e-12);
  }

  @Test
  void hugeLogitsDoNotOverflow() {
    // exp(80000) overflows even a double: only the max-subtracted form gives finite numbers.
    double[] x = {80000, 0, -80000, 1e30, 1e30, 0};
    Tensor z = logits(x, 2, 3);
    double sum = loss.forward(z, labels(1, 2));
    // Row 0: loss = 80000 − 0; row 1: two tied huge logits, label on the small one: 1e30 + log 2.
    assertEquals(80000 + 1e30 + Math.log(2), sum, 1e16);
    double[] p = loss.probabilities().toDoubleArray();
    assertArrayEquals(new double[] {1, 0, 0, 0.5, 0.5, 0}, p, 1e-12);
    double[] g = loss.backward(1.0).toDoubleArray();
    for (double v : g) {
      assertTrue(Double.isFinite(v), "finite gradient");
    }
    assertEquals(1.0, g[0], 1e-12);
    assertEquals(-1.0, g[1], 1e-12);

    Tensor small = logits(new double[] {80000, 0}, 1, 2);
    assertEquals(0.0, loss.forward(small, labels(0)), 1e-12, "the right class with a huge margin costs 0");
  }

  @Test
  void globalBatchScalingMakesSplitBatchesSumToTheFullBatchGradient() {
    int k = 4;
    Random rng = new Random(3);
    double[] x = new double[6 * k];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextGaussian();
    }
    float[] y = {0, 1, 2, 3, 2, 1};
    Tensor all = logits(x, 6, k);
    double fullSum = loss.forward(all, labels(y));
    double[] full = loss.backwardForGlobalBatch(6).toDoubleArray();

    // Two "workers" with 2 and 4 samples, each scaling by the global batch of 6.
    double[] combined = new double[6 * k];
    double splitSum = 0;
    int[][] parts = {{0, 2}, {2, 6}};
    for (int[] part : parts) {
      int rows = part[1] - part[0];
      double[] xs = java.util.Arrays.copyOfRange(x, part[0] * k, part[1] * k);
      float[] ys = java.util.Arrays.copyOfRange(y, part[0], part[1]);
      splitSum += loss.forward(logits(xs, rows, k), labels(ys));
      double[] g = loss.backwardForGlobalBatch(6).toDoubleArray();
      System.arraycopy(g, 0, combined, part[0] * k, g.length);
    }
    assertEquals(fullSum, splitSum, 1e-12);
    assertArrayEquals(full, combined, 1e-12);
  }

  @Test
  void emptyBatchGivesZeroLossAndAnEmptyGradient() {
    Tensor z = device.allocate(0, 3);
    assertEquals(0.0, loss.forward(z, device.allocate(0)));
    Tensor g = loss.backward(1.0);
    assertArrayEquals(new int[] {0, 3}, g.shape());
  }

  @Test
  void badLabelsAreRefusedNamingTheSample() {
    Tensor z = logits(new double[6], 2, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.forward(z, labels(0, 3)));
    assertEquals("label of sample 1 is 3.0: expected an integer class id in [0, 3)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> loss.forward(z, labels(-1, 0)));
    assertThrows(IllegalArgumentException.class, () -> loss.forward(z, labels(0, 1.5f)));
    assertThrows(IllegalArgumentException.class, () -> loss.forward(z, labels(Float.NaN, 0)));
    e = assertThrows(IllegalArgumentException.class, () -> loss.forward(z, labels(0, 1, 2)));
    assertTrue(e.getMessage().contains("do not match logits [2, 3]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> loss.forward(device.allocate(6), labels(0)));
    assertTrue(e.getMessage().contains("expects logits [N, K]"), e.getMessage());
  }

  @Test
  void backwardNeedsAForwardAndASaneScale() {
    assertThrows(IllegalStateException.class, () -> loss.backward(1.0));
    loss.forward(logits(new double[3], 1, 3), labels(2));
    assertThrows(IllegalArgumentException.class, () -> loss.backward(-1));
    assertThrows(IllegalArgumentException.class, () -> loss.backward(Double.NaN));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.backwardForGlobalBatch(0));
    assertTrue(e.getMessage().contains("global batch size must be positive"), e.getMessage());
  }
}

package io.batchwise.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.DeferredGradients;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forward values against direct definitions, shapes, buffer reuse, errors. */
class LayerBehaviourTest {
  static Device device;

  @BeforeAll
  static void open() {
    device = TestDevices.reference();
  }

  @AfterAll
  static void close() {
    device.close();
  }

  static double[] random(int n, long seed) {
    Random r = new Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian();
    }
    return v;
  }

  @Test
  void conv2dForwardIsTheDirectCrossCorrelation() {
    int n = 2, cin = 3, h = 6, w = 5, cout = 4, k = 3, s = 2, p = 1;
    try (Conv2d conv = new Conv2d(cout, k, s, p, true)) {
      int[] out = conv.init(device, new int[] {cin, h, w}, new Random(1));
      int oh = (h + 2 * p - k) / s + 1;
      int ow = (w + 2 * p - k) / s + 1;
      assertArrayEquals(new int[] {cout, oh, ow}, out);
      double[] wv = conv.weight().value().toDoubleArray();
      double[] bv = random(cout, 2);
      conv.bias().value().write(bv);
      double[] xv = random(n * cin * h * w, 3);
      try (Tensor x = device.allocate(n, cin, h, w).write(xv)) {
        double[] y = conv.forward(x, Mode.TRAIN).toDoubleArray();
        for (int b = 0; b < n; b++) {
          for (int o = 0; o < cout; o++) {
            for (int oy = 0; oy < oh; oy++) {
              for (int ox = 0; ox < ow; ox++) {
                double sum = bv[o];
                for (int c = 0; c < cin; c++) {
                  for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                      int iy = oy * s - p + ky;
                      int ix = ox * s - p + kx;
                      if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                        sum += wv[((o * cin + c) * k + ky) * k + kx] * xv[((b * cin + c) * h + iy) * w + ix];
                      }
                    }
                  }
                }
                assertEquals(sum, y[((b * cout + o) * oh + oy) * ow + ox], 1e-12);
              }
            }
          }
        }
      }
    }
  }

  /**
   * A convolution bound to a {@link DeferredGradients} queue returns the same input gradient at
   * once and leaves its weight and bias gradients to the queue: after it runs they are the bits of
   * an unbound convolution's, even when another convolution of a different shape used the shared
   * scratch in between. A forward with work still queued is refused by name.
   */
  @Test
  void conv2dDefersItsWeightGradientToTheQueue() {
    try (Conv2d plain = new Conv2d(4, 3, 2, 1, true); Conv2d deferring = new Conv2d(4, 3, 2, 1, true);
        Conv2d other = new Conv2d(5, 5, 1, 2, false)) {
      plain.init(device, new int[] {3, 7, 6}, new Random(1));
      deferring.init(device, new int[] {3, 7, 6}, new Random(1));
      other.init(device, new int[] {2, 9, 9}, new Random(2));
      DeferredGradients queue = new DeferredGradients();
      deferring.deferWeightGradient(queue);
      try (Tensor x = device.allocate(2, 3, 7, 6).write(random(2 * 3 * 7 * 6, 3));
          Tensor dy = device.allocate(2, 4, 4, 3).write(random(2 * 4 * 4 * 3, 4));
          Tensor x2 = device.allocate(2, 2, 9, 9).write(random(2 * 2 * 9 * 9, 5));
          Tensor dy2 = device.allocate(2, 5, 9, 9).write(random(2 * 5 * 9 * 9, 6))) {
        plain.forward(x, Mode.TRAIN);
        deferring.forward(x, Mode.TRAIN);
        double[] dxPlain = plain.backward(dy).toDoubleArray();
        deferring.weight().grad().write(new double[4 * 3 * 9]);
        double[] dxDeferred = deferring.backward(dy).toDoubleArray();
        assertArrayEquals(dxPlain, dxDeferred, 0.0, "input gradient");
        assertEquals(1, queue.size());
        assertTrue(java.util.Arrays.stream(deferring.weight().grad().toDoubleArray()).allMatch(v -> v == 0),
            "the weight gradient waits for the queue");
        IllegalStateException early = assertThrows(IllegalStateException.class,
            () -> deferring.forward(x, Mode.TRAIN));
        assertTrue(early.getMessage().contains("never run"), early.getMessage());
        other.forward(x2, Mode.TRAIN);
        other.backward(dy2);
        queue.runAll();
        assertTrue(queue.isEmpty());
        assertArrayEquals(plain.weight().grad().toDoubleArray(), deferring.weight().grad().toDoubleArray(), 0.0,
            "weight gradient");
        assertArrayEquals(plain.bias().grad().toDoubleArray(), deferring.bias().grad().toDoubleArray(), 0.0,
            "bias gradient");
        deferring.deferWeightGradient(null);
        deferring.forward(x, Mode.TRAIN);
        deferring.backward(dy);
        assertTrue(queue.isEmpty(), "an unbound convolution computes at once");
      }
    }
  }

  /**
   * A closed device's scratch workspace is dropped when the next one is made (the workspace holds
   * its device, so weak keys alone kept every closed device and its arenas: a test JVM ran out of
   * a 6 GB heap that way).
   */
  @Test
  void scratchOfClosedDevicesIsDropped() {
    Device first = io.batchwise.tensor.Devices.open("java", new io.batchwise.tensor.DeviceOptions(16, 1));
    Scratch.of(first).get(Scratch.COL, 10);
    int before = Scratch.registered();
    first.close();
    assertTrue(first.isClosed());
    for (int i = 0; i < 5; i++) {
      try (Device d = io.batchwise.tensor.Devices.open("java", new io.batchwise.tensor.DeviceOptions(16, 1))) {
        Scratch.of(d).get(Scratch.COL, 10);
        assertTrue(Scratch.registered() <= before, "workspaces: " + Scratch.registered() + ", before " + before);
      }
    }
  }

  @Test
  void heInitHasTheFanInVariance() {
    try (Conv2d conv = new Conv2d(64, 3, 1, 1, false)) {
      conv.init(device, new int[] {32, 8, 8}, new Random(7));
      double[] wv = conv.weight().value().toDoubleArray();
      double ss = 0;
      for (double v : wv) {
        ss += v * v;
      }
      double var = ss / wv.length;
      assertEquals(2.0 / (32 * 9), var, 0.05 * 2.0 / (32 * 9), "He-normal variance 2/fan_in");
    }
  }

  @Test
  void linearForwardIsXWtPlusB() {
    try (Linear lin = new Linear(3)) {
      lin.init(device, new int[] {4}, new Random(1));
      double[] wv = lin.weight().value().toDoubleArray();
      double[] bv = {0.5, -1, 2};
      lin.bias().value().write(bv);
      double[] xv = random(2 * 4, 5);
      try (Tensor x = device.allocate(2, 4).write(xv)) {
        double[] y = lin.forward(x, Mode.EVAL).toDoubleArray();
        for (int i = 0; i < 2; i++) {
          for (int o = 0; o < 3; o++) {
            double s = bv[o];
            for (int j = 0; j < 4; j++) {
              s += xv[i * 4 + j] * wv[o * 4 + j];
            }
            assertEquals(s, y[i * 3 + o], 1e-12);
          }
        }
      }
      assertEquals(List.of("weight", "bias"), lin.parameters().stream().map(Parameter::name).toList());
      assertEquals(Parameter.Kind.WEIGHT, lin.parameters().get(0).kind());
      assertEquals(Parameter.Kind.BIAS, lin.parameters().get(1).kind());
    }
  }

  @Test
  void buffersAreReusedUntilTheBatchSizeChanges() {
    try (ReLU relu = new ReLU(); Tensor a = device.zeros(4, 3); Tensor b = device.zeros(4, 3);
         Tensor c = device.zeros(5, 3)) {
      relu.init(device, new int[] {3}, new Random(1));
      Tensor y1 = relu.forward(a, Mode.TRAIN);
      assertSame(y1, relu.forward(b, Mode.TRAIN));
      Tensor y3 = relu.forward(c, Mode.TRAIN);
      assertNotSame(y1, y3);
      assertArrayEquals(new int[] {5, 3}, y3.shape());
      assertTrue(y1.isClosed(), "old buffer returned to the arena");
    }
  }

  @Test
  void emptyBatchesFlowThroughEveryLayer() {
    Sequential net = new Sequential()
        .add("conv", new Conv2d(3, 3, 2, 1, true))
        .add("relu", new ReLU())
        .add("drop", new Dropout(0.5, 1))
        .add("max", new MaxPool2d(2))
        .add("avg", new AvgPool2d(1))
        .add("res", new Residual(new Conv2d(3, 1, 1, 0, true), null, true))
        .add("gap", new GlobalAvgPool())
        .add("flat", new Flatten())
        .add("fc", new Linear(2));
    try (net; Tensor x = device.allocate(0, 2, 7, 7); Tensor dy = device.allocate(0, 2)) {
      net.init(device, new int[] {2, 7, 7}, new Random(1));
      assertArrayEquals(new int[] {0, 2}, net.forward(x, Mode.TRAIN).shape());
      assertArrayEquals(new int[] {0, 2, 7, 7}, net.backward(dy).shape());
      for (Parameter p : net.parameters()) {
        for (double g : p.grad().toDoubleArray()) {
          assertEquals(0.0, g, p.name());
        }
      }
    }
  }

  @Test
  void dropoutKeepsScalesAndChangesItsMaskPerStep() {
    int size = 20_000;
    double p = 0.3;
    try (Dropout d = new Dropout(p, 123); Tensor x = device.allocate(1, size)) {
      d.init(device, new int[] {size}, new Random(1));
      double[] ones = new double[size];
      java.util.Arrays.fill(ones, 1.0);
      x.write(ones);
      assertSame(x, d.forward(x, Mode.EVAL), "EVAL is the identity");
      double[] m1 = d.forward(x, Mode.TRAIN).toDoubleArray();
      double[] m2 = d.forward(x, Mode.TRAIN).toDoubleArray();
      int kept = 0;
      int same = 0;
      for (int i = 0; i < size; i++) {
        assertTrue(m1[i] == 0 || Math.abs(m1[i] - 1 / (1 - p)) < 1e-6, "0 or 1/keep: " + m1[i]);
        kept += m1[i] != 0 ? 1 : 0;
        same += (m1[i] != 0) == (m2[i] != 0) ? 1 : 0;
      }
      // keep = 0.7: 14000 ± 65 (1 sd); 5 sd bounds.
      assertTrue(Math.abs(kept - 0.7 * size) < 5 * Math.sqrt(size * 0.21), "kept " + kept);
      assertTrue(same < 0.7 * size, "consecutive steps draw different masks (agree on " + same + ")");
      assertEquals(2, d.step());
      d.holdMask(true);
      d.setStep(0);
      assertArrayEquals(m1, d.forward(x, Mode.TRAIN).toDoubleArray(), 0, "(seed, step) fixes the mask");
    }
  }

  @Test
  void clearErrors() {
    Linear lin = new Linear(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> lin.init(device, new int[] {2, 4, 4}, new Random(1)));
    assertTrue(e.getMessage().contains("Flatten"), e.getMessage());

    try (Conv2d conv = new Conv2d(2, 3, 1, 0, false); Tensor wrong = device.zeros(1, 2, 5, 5)) {
      conv.init(device, new int[] {3, 5, 5}, new Random(1));
      e = assertThrows(IllegalArgumentException.class, () -> conv.forward(wrong, Mode.TRAIN));
      assertTrue(e.getMessage().contains("Conv2d") && e.getMessage().contains("[1, 2, 5, 5]"), e.getMessage());
      IllegalStateException s = assertThrows(IllegalStateException.class, () -> conv.backward(wrong));
      assertTrue(s.getMessage().contains("before") || s.getMessage().contains("without"), s.getMessage());
    }

    Conv2d big = new Conv2d(2, 7, 1, 0, false);
    e = assertThrows(IllegalArgumentException.class, () -> big.init(device, new int[] {1, 5, 5}, new Random(1)));
    assertTrue(e.getMessage().contains("Conv2d"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> new Sequential().add("a", new ReLU()).add("a", new ReLU()));
    assertTrue(e.getMessage().contains("duplicate"), e.getMessage());

    Residual res = new Residual(new Conv2d(4, 3, 2, 1, false), null, false);
    e = assertThrows(IllegalArgumentException.class, () -> res.init(device, new int[] {2, 6, 6}, new Random(1)));
    assertTrue(e.getMessage().contains("shortcut"), e.getMessage());
    res.close();
  }

  @Test
  void sequentialPrefixesNames() {
    Sequential inner = new Sequential().add("conv", new Conv2d(2, 1, 1, 0, true));
    try (Sequential net = new Sequential().add("block", new Residual(inner, new Conv2d(2, 1, 1, 0, false), false))
        .add("flat", new Flatten()).add("fc", new Linear(2))) {
      net.init(device, new int[] {1, 2, 2}, new Random(1));
      assertEquals(List.of("block.conv.weight", "block.conv.bias", "block.shortcut.weight", "fc.weight", "fc.bias"),
          net.parameters().stream().map(Parameter::name).toList());
    }
  }
}

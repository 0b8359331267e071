package io.batchwise.nn.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of every layer's input and parameter gradients, in double precision. */
class LayerGradientTest {
  /** Central differences with h = 1e-5 in double are good to ~1e-9; 1e-6 leaves margin. */
  static final double TOL = 1e-6;
  static Device device;

  @BeforeAll
  static void open() {
    device = TestDevices.reference();
  }

  @AfterAll
  static void close() {
    device.close();
  }

  /** Runs the check, prints the table row, asserts every tensor's error. */
  static Map<String, Double> check(String label, GradientCheck check) {
    Map<String, Double> errors = check.run();
    double worst = errors.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    System.out.printf("gradient check %-40s max rel err %.2e  %s%n", label, worst, errors);
    errors.forEach((name, err) -> assertTrue(err <= TOL, label + " " + name + ": relative error " + err));
    return errors;
  }

  /** Distinct values ±(0.2 + 0.5·k/size) in a scrambled order: no ties, gaps ≫ h. */
  static IntToDoubleFunction distinct(int size) {
    return i -> {
      long k = (i * 7919L + 13) % size;  // 7919 is prime; sizes below are not multiples of it
      double v = 0.2 + 0.5 * k / size;
      return (i % 3 == 0) ? -v : v;
    };
  }

  static void closeAfter(Layer l, Runnable r) {
    try {
      r.run();
    } finally {
      l.close();
    }
  }

  @Test
  void conv2dStride2Pad1OddSizesWithBias() {
    Conv2d conv = new Conv2d(4, 3, 2, 1, true);
    closeAfter(conv, () -> check("Conv2d 3->4 k3 s2 p1 on 7x5, bias", GradientCheck.of(conv, device).input(2, 3, 7, 5)));
  }

  @Test
  void conv2dNoBiasStride1() {
    Conv2d conv = new Conv2d(3, 2, 1, 0, false);
    closeAfter(conv, () -> check("Conv2d 2->3 k2 s1 p0 on 5x6, no bias", GradientCheck.of(conv, device).input(3, 2, 5, 6)));
  }

  @Test
  void conv1x1Stride2() {
    Conv2d conv = new Conv2d(5, 1, 2, 0, false);
    closeAfter(conv, () -> check("Conv2d 3->5 k1 s2 on 7x7", GradientCheck.of(conv, device).input(2, 3, 7, 7)));
  }

  @Test
  void linear() {
    Linear lin = new Linear(6);
    closeAfter(lin, () -> check("Linear 7->6", GradientCheck.of(lin, device).input(4, 7)));
  }

  @Test
  void relu() {
    ReLU relu = new ReLU();
    closeAfter(relu, () -> check("ReLU", GradientCheck.of(relu, device).input(3, 2, 3, 3)));
  }

  @Test
  void maxPool() {
    MaxPool2d pool = new MaxPool2d(2);
    closeAfter(pool, () -> check("MaxPool2d k2 s2 on 6x5",
        GradientCheck.of(pool, device).input(2, 2, 6, 5).inputValues(distinct(2 * 2 * 30))));
  }

  @Test
  void maxPoolOverlappingPadded() {
    MaxPool2d pool = new MaxPool2d(3, 2, 1);
    closeAfter(pool, () -> check("MaxPool2d k3 s2 p1 on 7x6",
        GradientCheck.of(pool, device).input(2, 2, 7, 6).inputValues(distinct(2 * 2 * 42))));
  }

  @Test
  void avgPool() {
    AvgPool2d pool = new AvgPool2d(3, 2, 1);
    closeAfter(pool, () -> check("AvgPool2d k3 s2 p1 on 7x6", GradientCheck.of(pool, device).input(2, 3, 7, 6)));
  }

  @Test
  void globalAvgPool() {
    GlobalAvgPool pool = new GlobalAvgPool();
    closeAfter(pool, () -> check("GlobalAvgPool on 3x5x4", GradientCheck.of(pool, device).input(2, 3, 5, 4)));
  }

  @Test
  void flatten() {
    Flatten f = new Flatten();
    closeAfter(f, () -> check("Flatten", GradientCheck.of(f, device).input(2, 2, 3, 4)));
  }

  @Test
  void convFlattenLinear() {
    Sequential net = new Sequential()
        .add("conv", new Conv2d(3, 3, 1, 1, true))
        .add("relu", new ReLU())
        .add("flatten", new Flatten())
        .add("fc", new Linear(4));
    closeAfter(net, () -> check("Sequential conv-relu-flatten-linear",
        GradientCheck.of(net, device).input(2, 2, 4, 3)));
  }

  @Test
  void dropoutWithFixedMask() {
    Dropout d = new Dropout(0.4, 7).holdMask(true);
    closeAfter(d, () -> check("Dropout p=0.4 (fixed mask)", GradientCheck.of(d, device).input(3, 4, 5)));
  }

  @Test
  void residualWithConvShortcut() {
    Sequential main = new Sequential()
        .add("conv1", new Conv2d(4, 3, 2, 1, true))
        .add("relu1", new ReLU())
        .add("conv2", new Conv2d(4, 3, 1, 1, true));
    Sequential shortcut = new Sequential().add("conv", new Conv2d(4, 1, 2, 0, true));
    Residual res = new Residual(main, shortcut, false);
    closeAfter(res, () -> check("Residual conv shortcut s2", GradientCheck.of(res, device).input(2, 2, 5, 5)));
  }

  @Test
  void residualIdentityWithReluAfter() {
    Sequential main = new Sequential()
        .add("conv1", new Conv2d(2, 3, 1, 1, true))
        .add("relu1", new ReLU())
        .add("conv2", new Conv2d(2, 3, 1, 1, true));
    Residual res = new Residual(main, null, true);
    closeAfter(res, () -> check("Residual identity + ReLU", GradientCheck.of(res, device).input(2, 2, 4, 4)));
  }
}

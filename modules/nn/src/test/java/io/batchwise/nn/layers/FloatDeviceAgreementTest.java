package io.batchwise.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.BatchNorm;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layers give the same results on a float device (Java threads, OpenCL) as on the double
 * reference, within float tolerance: forward, input gradient, parameter gradients, running stats.
 * Skipped with a message where this build has no such device yet.
 */
class FloatDeviceAgreementTest {
  /**
   * Normwise relative tolerance for float against double. Float rounding is 6e-8, but gradients that
   * are sums of nearly cancelling terms (a bias gradient behind a BatchNorm backward, whose per-channel
   * sum is exactly 0) lose a few digits: 2–4e-5 was measured on the small net.
   */
  static final double TOL = 1e-4;

  /** One device per spec for the whole class (opening OpenCL compiles kernels). */
  static final Map<String, Device> OPEN = new HashMap<>();
  static final Map<String, String[]> WHY = new HashMap<>();

  @AfterAll
  static void closeDevices() {
    for (Device d : OPEN.values()) {
      if (d != null) {
        Scratch.release(d);
        d.close();
      }
    }
    OPEN.clear();
  }

  static Sequential net() {
    return new Sequential()
        .add("conv1", new Conv2d(6, 3, 2, 1, false))
        .add("bn1", new BatchNorm(6))
        .add("relu1", new ReLU())
        .add("drop", new Dropout(0.25, 99))
        .add("res", new Residual(new Sequential()
            .add("conv1", new Conv2d(6, 3, 1, 1, false))
            .add("bn1", new BatchNorm(6))
            .add("relu1", new ReLU())
            .add("conv2", new Conv2d(6, 3, 1, 1, true)), null, true))
        .add("pool", new MaxPool2d(2))
        .add("avg", new AvgPool2d(3, 1, 1))
        .add("flatten", new Flatten())
        .add("fc", new Linear(5, false))
        .add("bn2", new BatchNorm(5));
  }

  static void assertAgree(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    double maxRef = 0;
    double maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
    }
    double rel = maxRef == 0 ? maxDiff : maxDiff / maxRef;
    assertTrue(rel <= TOL, what + ": float device differs from reference by " + rel + " (normwise)");
  }

  /** One layer (or the small net) at a time, so a disagreement names its layer. */
  record Case(String label, Supplier<Layer> layer, int[] shape, int n) {
    @Override
    public String toString() {
      return label;
    }
  }

  static List<Case> cases() {
    return List.of(
        new Case("Conv2d k3 s2 p1 bias", () -> new Conv2d(5, 3, 2, 1, true), new int[] {3, 9, 8}, 3),
        new Case("Conv2d k1", () -> new Conv2d(4, 1, 1, 0, false), new int[] {3, 5, 5}, 2),
        new Case("Linear", () -> new Linear(6), new int[] {11}, 4),
        new Case("ReLU", ReLU::new, new int[] {3, 4, 4}, 2),
        new Case("MaxPool2d k2", () -> new MaxPool2d(2), new int[] {3, 8, 7}, 2),
        new Case("MaxPool2d k3 s2 p1", () -> new MaxPool2d(3, 2, 1), new int[] {3, 7, 7}, 2),
        new Case("AvgPool2d k3 s2 p1", () -> new AvgPool2d(3, 2, 1), new int[] {3, 7, 7}, 2),
        new Case("GlobalAvgPool", GlobalAvgPool::new, new int[] {3, 5, 4}, 2),
        new Case("Dropout", () -> new Dropout(0.25, 99), new int[] {3, 5, 4}, 2),
        new Case("BatchNorm NCHW", () -> new BatchNorm(3), new int[] {3, 5, 4}, 4),
        new Case("BatchNorm NC", () -> new BatchNorm(7), new int[] {7}, 5),
        new Case("small net", FloatDeviceAgreementTest::net, new int[] {2, 9, 9}, 4),
        new Case("lenet-bn", () -> Models.create("lenet-bn", NormFactory.byName("bn")), Models.inputShape(), 4),
        new Case("resnet20", () -> Models.create("resnet20", NormFactory.byName("bn")), Models.inputShape(), 2));
  }

  static Stream<Arguments> specsAndCases() {
    return Stream.of("java", "opencl").flatMap(spec -> cases().stream().map(c -> Arguments.of(spec, c)));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("specsAndCases")
  void matchesReference(String spec, Case tc) {
    String[] why = WHY.computeIfAbsent(spec, k -> new String[1]);
    Device fd = OPEN.computeIfAbsent(spec, k -> TestDevices.openFloat(k, why));
    Assumptions.assumeTrue(fd != null, () -> why[0]);
    try (Device ref = TestDevices.reference(); Layer a = tc.layer().get(); Layer b = tc.layer().get()) {
      int[] shape = tc.shape();
      int[] out = a.init(fd, shape, new Random(5));
      b.init(ref, shape, new Random(5));
      List<Parameter> pa = a.parameters();
      List<Parameter> pb = b.parameters();
      for (int i = 0; i < pa.size(); i++) {
        pb.get(i).value().write(pa.get(i).value().toFloatArray());
      }
      Random r = new Random(6);
      int n = tc.n();
      int[] xs = new int[shape.length + 1];
      xs[0] = n;
      System.arraycopy(shape, 0, xs, 1, shape.length);
      int[] ys = new int[out.length + 1];
      ys[0] = n;
      System.arraycopy(out, 0, ys, 1, out.length);
      String what = spec + " " + tc.label();
      for (int step = 0; step < 2; step++) {
        float[] xv = new float[Tensor.sizeOf(xs)];
        for (int i = 0; i < xv.length; i++) {
          xv[i] = (float) (r.nextGaussian() + 0.5);
        }
        float[] dyv = new float[Tensor.sizeOf(ys)];
        for (int i = 0; i < dyv.length; i++) {
          dyv[i] = (float) r.nextGaussian();
        }
        try (Tensor xa = fd.upload(xv, xs); Tensor xb = ref.upload(xv, xs);
             Tensor da = fd.upload(dyv, ys); Tensor db = ref.upload(dyv, ys)) {
          assertAgree(b.forward(xb, Mode.TRAIN).toDoubleArray(), a.forward(xa, Mode.TRAIN).toDoubleArray(), what + " y");
          assertAgree(b.backward(db).toDoubleArray(), a.backward(da).toDoubleArray(), what + " dx");
          for (int i = 0; i < pa.size(); i++) {
            assertAgree(pb.get(i).grad().toDoubleArray(), pa.get(i).grad().toDoubleArray(), what + " d" + pa.get(i).name());
          }
          List<StateBuffer> sa = a.state();
          List<StateBuffer> sb = b.state();
          for (int i = 0; i < sa.size(); i++) {
            assertAgree(sb.get(i).value().toDoubleArray(), sa.get(i).value().toDoubleArray(), what + " " + sa.get(i).name());
          }
          assertAgree(b.forward(xb, Mode.EVAL).toDoubleArray(), a.forward(xa, Mode.EVAL).toDoubleArray(), what + " eval y");
        }
      }
    } catch (UnsupportedOperationException e) {
      Assumptions.abort(spec + " device kernels not complete yet: " + e);
    }
  }
}

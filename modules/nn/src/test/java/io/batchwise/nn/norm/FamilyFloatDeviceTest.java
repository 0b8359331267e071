package io.batchwise.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The family's layers on the float devices agree with the double reference (forward and backward). */
class FamilyFloatDeviceTest {

  static double[] run(Layer l, Device d, double[] x, double[] dy, Mode mode, int n, int... sample) {
    l.init(d, sample, new Random(2));
    int[] shape = new int[sample.length + 1];
    shape[0] = n;
    System.arraycopy(sample, 0, shape, 1, sample.length);
    Tensor xt = d.allocate(shape).write(x);
    Tensor gt = d.allocate(shape).write(dy);
    double[] y = l.forward(xt, mode).toDoubleArray();
    double[] dx = l.backward(gt).toDoubleArray();
    double[] out = new double[y.length + dx.length];
    System.arraycopy(y, 0, out, 0, y.length);
    System.arraycopy(dx, 0, out, y.length, dx.length);
    xt.close();
    gt.close();
    l.close();
    return out;
  }

  void check(String spec) {
    String[] why = new String[1];
    Device f = TestDevices.openFloat(spec, why);
    Assumptions.assumeTrue(f != null, () -> "skipped: " + why[0]);
    List<Supplier<Layer>> makers = List.of(
        () -> new SyncBatchNorm(4), () -> new BatchRenorm(4, RenormSchedule.fixed(2, 1)),
        () -> new GroupNorm(2), LayerNorm::new, InstanceNorm::new, () -> new FrozenBatchNorm(4),
        () -> new GhostBatchNorm(4, 3), () -> new WeightStandardizedConv2d(4, 3, 1, 1, false));
    int n = 7;
    int[] sample = {4, 3, 3};
    double[] x = SyncBatchNormTest.data(1, n * 36, 1.5, 2);
    double[] dy = SyncBatchNormTest.data(2, n * 36, 0, 1);
    try (f; Device ref = TestDevices.reference()) {
      for (Supplier<Layer> m : makers) {
        for (Mode mode : Mode.values()) {
          String what = spec + " " + m.get() + " " + mode;
          double[] want = run(m.get(), ref, x, dy, mode, n, sample);
          double[] got = run(m.get(), f, x, dy, mode, n, sample);
          double scale = 0;
          for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
          }
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * scale, what + " element " + i);
          }
        }
      }
    }
  }

  @Test
  void javaDevice() {
    check("java");
  }

  @Test
  void openClDevice() {
    check("opencl");
  }
}

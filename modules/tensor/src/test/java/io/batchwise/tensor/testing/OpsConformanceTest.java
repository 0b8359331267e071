package io.batchwise.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.batchwise.tensor.DType;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import io.batchwise.tensor.reference.ReferenceDevice;
import io.batchwise.tensor.testing.TensorAssert.Tolerance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Checks every {@link Ops} kernel of a device against {@link ReferenceDevice}: the same seeded float
 * inputs go to both devices, both run the kernel, and the outputs must agree within a tolerance
 * chosen per kernel. A device's test only implements {@link #openDevice()}; the GEMM shapes can be
 * extended through {@link #gemmShapes()}.
 *
 * <p>Shapes include 1, odd and prime sizes, and n = 0 wherever the contract allows it. Outputs start
 * out holding random values (NaN where the contract says they are not read), so a kernel that
 * accumulates instead of overwriting, or reads what it must not, fails.
 *
 * <p>Tolerances (|device − reference| ≤ abs + rel·|reference|; inputs are O(1)):
 * <ul>
 *   <li>Pure data movement (fill, copy, permutes, im2col, max pooling forward, argmax, ReLU,
 *       dropout positions): exact.</li>
 *   <li>One float rounding per element (add, mul, scale, dropout values): abs 1e-7, rel 1e-6.</li>
 *   <li>A few fused float operations (axpy, bias, channel affine, SGD, softmax backward, global
 *       average backward): abs 2e-6, rel 2e-6.</li>
 *   <li>Short float sums (col2im, pooling, global average, softmax forward): abs 1e-5, rel 1e-5.</li>
 *   <li>Sums in double over float inputs (channelSum, channelMoments, channelGradMoments):
 *       abs 1e-9·count + 1e-6, rel 1e-6 (only the final rounding and the float inputs differ).</li>
 *   <li>GEMM: abs 2e-6·√k·(|alpha| + |beta| + 1), rel 1e-5: float accumulation error grows like √k
 *       for random signs.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class OpsConformanceTest {
  protected static final Tolerance EXACT = Tolerance.EXACT;
  protected static final Tolerance ROUNDED = new Tolerance(1e-7, 1e-6);
  protected static final Tolerance FEW_OPS = new Tolerance(2e-6, 2e-6);
  protected static final Tolerance SHORT_SUMS = new Tolerance(1e-5, 1e-5);

  private Device device;
  private ReferenceDevice reference;
  private final List<Tensor> allocated = new ArrayList<>();
  protected final RandomTensors random = new RandomTensors(0xBA7C4L);

  /** The device under test; called once per test class and closed after the last test. */
  protected abstract Device openDevice();

  /** Arena sizes of the reference device; raise them when {@link #gemmShapes()} grows. */
  protected DeviceOptions referenceOptions() {
    return new DeviceOptions(16, 1);
  }

  /**
   * GEMM shapes {m, n, k} checked with all four transpose combinations; override to add more (keep
   * the list's small odd shapes). The reference runs a plain triple loop, so m·n·k above ~10⁸ gets slow.
   */
  protected List<int[]> gemmShapes() {
    return List.of(
        new int[] {1, 1, 1}, new int[] {2, 3, 4}, new int[] {7, 13, 5}, new int[] {17, 31, 19},
        new int[] {1, 97, 3}, new int[] {61, 1, 7}, new int[] {33, 65, 129}, new int[] {64, 64, 64},
        new int[] {0, 5, 3}, new int[] {5, 0, 3}, new int[] {5, 3, 0});
  }

  @BeforeAll
  void openDevices() {
    device = openDevice();
    reference = new ReferenceDevice(referenceOptions());
  }

  @AfterAll
  void closeDevices() {
    if (device != null) {
      device.close();
    }
    if (reference != null) {
      reference.close();
    }
  }

  @AfterEach
  void releaseTensors() {
    for (Tensor t : allocated) {
      t.close();
    }
    allocated.clear();
  }

  /** The device under test. */
  protected Device device() {
    return device;
  }

  // ------------------------------------------------------------------ twins

  /** The same logical tensor on the device under test and on the reference device. */
  protected final class Twin {
    public final Tensor dut;
    public final Tensor ref;

    Twin(Tensor dut, Tensor ref) {
      this.dut = dut;
      this.ref = ref;
      allocated.add(dut);
      allocated.add(ref);
    }
  }

  /** Uploads the same values to both devices. */
  protected Twin twin(DType dtype, float[] values, int... shape) {
    Tensor d = device.allocate(dtype, shape).write(values);
    Tensor r = reference.allocate(dtype, shape).write(values);
    return new Twin(d, r);
  }

  protected Twin twin(float[] values, int... shape) {
    return twin(DType.FLOAT, values, shape);
  }

  protected Twin uniform(float lo, float hi, int... shape) {
    return twin(random.uniform(Tensor.sizeOf(shape), lo, hi), shape);
  }

  /** An output filled with random garbage (identical on both sides). */
  protected Twin output(int... shape) {
    return uniform(-100f, 100f, shape);
  }

  protected Twin output(DType dtype, int... shape) {
    return twin(dtype, random.uniform(Tensor.sizeOf(shape), -100f, 100f), shape);
  }

  /** An output filled with NaN, for outputs the contract says are not read. */
  protected Twin nanOutput(int... shape) {
    float[] v = new float[Tensor.sizeOf(shape)];
    Arrays.fill(v, Float.NaN);
    return twin(v, shape);
  }

  protected void check(String what, Twin t, Tolerance tol) {
    TensorAssert.assertClose(device.name() + " " + what, t.ref, t.dut, tol);
  }

  private Ops dut() {
    return device.ops();
  }

  private Ops ref() {
    return reference.ops();
  }

  // ------------------------------------------------------------------ memory and elementwise

  private static final int[] SIZES = {0, 1, 7, 64, 1000, 4099};

  @Test
  void fillAndCopy() {
    for (int n : SIZES) {
      Twin x = output(n);
      dut().fill(x.dut, -3.25f);
      ref().fill(x.ref, -3.25f);
      check("fill n=" + n, x, EXACT);
      Twin src = uniform(-1, 1, n);
      Twin dst = output(n);
      dut().copy(src.dut, dst.dut);
      ref().copy(src.ref, dst.ref);
      check("copy n=" + n, dst, EXACT);
    }
  }

  @Test
  void reluForwardAndBackward() {
    for (int n : SIZES) {
      Twin x = uniform(-1, 1, n);
      Twin y = output(n);
      dut().reluForward(x.dut, y.dut);
      ref().reluForward(x.ref, y.ref);
      check("relu n=" + n, y, EXACT);
      Twin dy = uniform(-1, 1, n);
      Twin dx = output(n);
      dut().reluBackward(y.dut, dy.dut, dx.dut);
      ref().reluBackward(y.ref, dy.ref, dx.ref);
      check("relu backward n=" + n, dx, EXACT);
      dut().reluBackward(y.dut, dy.dut, dy.dut);
      ref().reluBackward(y.ref, dy.ref, dy.ref);
      check("relu backward in place n=" + n, dy, EXACT);
      dut().reluForward(x.dut, x.dut);
      ref().reluForward(x.ref, x.ref);
      check("relu in place n=" + n, x, EXACT);
    }
  }

  @Test
  void addAxpyScaleMul() {
    for (int n : SIZES) {
      Twin a = uniform(-1, 1, n);
      Twin b = uniform(-1, 1, n);
      Twin out = output(n);
      dut().add(a.dut, b.dut, out.dut);
      ref().add(a.ref, b.ref, out.ref);
      check("add n=" + n, out, ROUNDED);
      dut().mul(a.dut, b.dut, out.dut);
      ref().mul(a.ref, b.ref, out.ref);
      check("mul n=" + n, out, ROUNDED);
      dut().add(a.dut, b.dut, a.dut);
      ref().add(a.ref, b.ref, a.ref);
      check("add in place n=" + n, a, ROUNDED);
      dut().mul(a.dut, b.dut, b.dut);
      ref().mul(a.ref, b.ref, b.ref);
      check("mul in place n=" + n, b, ROUNDED);
      dut().axpy(-0.37f, a.dut, b.dut);
      ref().axpy(-0.37f, a.ref, b.ref);
      check("axpy n=" + n, b, FEW_OPS);
      dut().scale(b.dut, 1.7f);
      ref().scale(b.ref, 1.7f);
      check("scale n=" + n, b, ROUNDED);
    }
  }

  @Test
  void dropoutMask() {
    long[] seeds = {0L, 1L, 42L, -7L, 0x123456789ABCDEF0L};
    float[] keeps = {1f, 0.9f, 0.5f, 0.13f};
    for (int n : SIZES) {
      for (long seed : seeds) {
        for (float keep : keeps) {
          Twin mask = output(n);
          dut().dropoutMask(seed, keep, mask.dut);
          ref().dropoutMask(seed, keep, mask.ref);
          double[] d = mask.dut.toDoubleArray();
          double[] r = mask.ref.toDoubleArray();
          for (int i = 0; i < n; i++) {
            if ((d[i] == 0) != (r[i] == 0)) {
              throw new AssertionError(device.name() + " dropout seed=" + seed + " keep=" + keep
                  + ": element " + i + " is " + d[i] + ", reference " + r[i]);
            }
          }
          check("dropout values seed=" + seed + " keep=" + keep, mask, ROUNDED);
        }
      }
    }
  }

  @Test
  void sgdMomentum() {
    float[][] settings = {{0.1f, 0.9f, 5e-4f}, {0.05f, 0f, 0f}, {1f, 0.5f, 0.1f}};
    for (int n : SIZES) {
      for (float[] s : settings) {
        for (boolean nesterov : new boolean[] {false, true}) {
          Twin w = uniform(-1, 1, n);
          Twin g = uniform(-1, 1, n);
          Twin v = uniform(-1, 1, n);
          for (int step = 0; step < 2; step++) {
            dut().sgdMomentum(w.dut, g.dut, v.dut, s[0], s[1], s[2], nesterov);
            ref().sgdMomentum(w.ref, g.ref, v.ref, s[0], s[1], s[2], nesterov);
          }
          String what = " n=" + n + " lr=" + s[0] + " μ=" + s[1] + " wd=" + s[2] + " nesterov=" + nesterov;
          check("sgd v" + what, v, FEW_OPS);
          check("sgd w" + what, w, FEW_OPS);
        }
      }
    }
  }

  // ------------------------------------------------------------------ GEMM

  @Test
  void gemm() {
    float[][] alphaBeta = {{1f, 0f}, {0.5f, -1.5f}, {-2f, 1f}};
    for (int[] s : gemmShapes()) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          for (int variant = 0; variant < alphaBeta.length; variant++) {
            float alpha = alphaBeta[variant][0];
            float beta = alphaBeta[variant][1];
            // the second and third variants put the operands at odd offsets inside larger tensors
            int ao = variant == 0 ? 0 : 3;
            int bo = variant == 0 ? 0 : 5;
            int co = variant == 0 ? 0 : 7;
            Twin a = uniform(-1, 1, ao + m * k);
            Twin b = uniform(-1, 1, bo + k * n);
            Twin c = beta == 0f ? nanOutput(co + m * n) : uniform(-1, 1, co + m * n);
            dut().gemm(ta, tb, m, n, k, alpha, a.dut, ao, b.dut, bo, beta, c.dut, co);
            ref().gemm(ta, tb, m, n, k, alpha, a.ref, ao, b.ref, bo, beta, c.ref, co);
            double abs = 2e-6 * Math.sqrt(Math.max(k, 1)) * (Math.abs(alpha) + Math.abs(beta) + 1);
            // the whole tensor is compared: elements before the offset must be untouched
            check(gemmName(ta, tb, m, n, k, alpha, beta), c, new Tolerance(abs, 1e-5));
          }
        }
      }
    }
  }

  private static String gemmName(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
    return "gemm " + (ta ? "T" : "N") + (tb ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
        + " alpha=" + alpha + " beta=" + beta;
  }

  // ------------------------------------------------------------------ layout

  private static final int[][] NCI = {{2, 3, 5}, {1, 1, 1}, {0, 3, 4}, {5, 7, 11}, {3, 2, 1}, {4, 16, 49}};

  @Test
  void permutes() {
    for (int[] s : NCI) {
      Twin x = uniform(-1, 1, s[0], s[1], s[2]);
      Twin y = output(s[1], s[0], s[2]);
      dut().nchwToCnhw(x.dut, s[0], s[1], s[2], y.dut);
      ref().nchwToCnhw(x.ref, s[0], s[1], s[2], y.ref);
      check("nchwToCnhw " + Arrays.toString(s), y, EXACT);
      Twin back = output(s[0], s[1], s[2]);
      dut().cnhwToNchw(y.dut, s[0], s[1], s[2], back.dut);
      ref().cnhwToNchw(y.ref, s[0], s[1], s[2], back.ref);
      check("cnhwToNchw " + Arrays.toString(s), back, EXACT);
      assertArrayEquals(x.dut.toFloatArray(), back.dut.toFloatArray(), "permute round trip");
    }
  }

  // ------------------------------------------------------------------ convolution and pooling

  /** Windows for im2col and pooling: odd sizes, strides, asymmetric padding, n = 0. */
  protected List<Window2d> windows() {
    return List.of(
        Window2d.square(2, 3, 5, 5, 3, 1, 1),
        Window2d.square(1, 1, 4, 4, 2, 2, 0),
        new Window2d(3, 2, 7, 6, 3, 2, 2, 3, 1, 0),
        new Window2d(1, 5, 9, 11, 5, 3, 1, 2, 2, 1),
        Window2d.square(2, 4, 8, 8, 1, 1, 0),
        Window2d.square(1, 3, 13, 13, 3, 2, 1),
        Window2d.square(0, 3, 6, 6, 3, 1, 1));
  }

  private static String name(Window2d g) {
    return "n=" + g.n() + " c=" + g.c() + " " + g.h() + "x" + g.w() + " k=" + g.kh() + "x" + g.kw()
        + " s=" + g.sh() + "x" + g.sw() + " p=" + g.ph() + "x" + g.pw();
  }

  @Test
  void im2colAndCol2im() {
    for (Window2d g : windows()) {
      Twin x = uniform(-1, 1, g.n(), g.c(), g.h(), g.w());
      Twin col = output(g.colRows(), g.colCols());
      dut().im2col(x.dut, g, col.dut);
      ref().im2col(x.ref, g, col.ref);
      check("im2col " + name(g), col, EXACT);
      Twin dcol = uniform(-1, 1, g.colRows(), g.colCols());
      Twin dx = output(g.n(), g.c(), g.h(), g.w());
      dut().col2im(dcol.dut, g, dx.dut);
      ref().col2im(dcol.ref, g, dx.ref);
      check("col2im " + name(g), dx, SHORT_SUMS);
    }
  }

  @Test
  void maxPool() {
    for (Window2d g : windows()) {
      for (boolean ties : new boolean[] {false, true}) {
        float[] values = random.uniform(g.n() * g.c() * g.h() * g.w(), -1, 1);
        if (ties) {
          for (int i = 0; i < values.length; i++) {
            values[i] = Math.round(values[i] * 1.5f); // only -2..2: many tied maxima
          }
        }
        Twin x = twin(values, g.n(), g.c(), g.h(), g.w());
        Twin y = output(g.n(), g.c(), g.oh(), g.ow());
        Twin arg = output(g.n(), g.c(), g.oh(), g.ow());
        dut().maxPoolForward(x.dut, g, y.dut, arg.dut);
        ref().maxPoolForward(x.ref, g, y.ref, arg.ref);
        check("maxpool " + name(g) + " ties=" + ties, y, EXACT);
        check("maxpool argmax " + name(g) + " ties=" + ties, arg, EXACT);
        // backward from the reference argmax, so a forward bug does not hide a backward one
        Twin refArg = twin(arg.ref.toFloatArray(), arg.ref.shape());
        Twin dy = uniform(-1, 1, g.n(), g.c(), g.oh(), g.ow());
        Twin dx = output(g.n(), g.c(), g.h(), g.w());
        dut().maxPoolBackward(dy.dut, refArg.dut, g, dx.dut);
        ref().maxPoolBackward(dy.ref, refArg.ref, g, dx.ref);
        check("maxpool backward " + name(g), dx, SHORT_SUMS);
      }
    }
  }

  /**
   * Windows that hold only padding (padding ≥ kernel): the reference writes y = 0 and argmax = −1,
   * and backward skips them. PyTorch forbids such windows; layers never create them.
   */
  @Test
  void maxPoolWindowsEntirelyInPadding() {
    Window2d g = new Window2d(1, 2, 3, 3, 1, 1, 2, 2, 1, 1);
    Twin x = uniform(-1, 1, 1, 2, 3, 3);
    Twin y = output(1, 2, g.oh(), g.ow());
    Twin arg = output(1, 2, g.oh(), g.ow());
    dut().maxPoolForward(x.dut, g, y.dut, arg.dut);
    ref().maxPoolForward(x.ref, g, y.ref, arg.ref);
    check("maxpool all-padding windows", y, EXACT);
    check("maxpool all-padding argmax", arg, EXACT);
    Twin dy = uniform(-1, 1, 1, 2, g.oh(), g.ow());
    Twin dx = output(1, 2, 3, 3);
    dut().maxPoolBackward(dy.dut, arg.dut, g, dx.dut);
    ref().maxPoolBackward(dy.ref, arg.ref, g, dx.ref);
    check("maxpool all-padding backward", dx, EXACT);
  }

  @Test
  void avgPool() {
    for (Window2d g : windows()) {
      Twin x = uniform(-1, 1, g.n(), g.c(), g.h(), g.w());
      Twin y = output(g.n(), g.c(), g.oh(), g.ow());
      dut().avgPoolForward(x.dut, g, y.dut);
      ref().avgPoolForward(x.ref, g, y.ref);
      check("avgpool " + name(g), y, SHORT_SUMS);
      Twin dy = uniform(-1, 1, g.n(), g.c(), g.oh(), g.ow());
      Twin dx = output(g.n(), g.c(), g.h(), g.w());
      dut().avgPoolBackward(dy.dut, g, dx.dut);
      ref().avgPoolBackward(dy.ref, g, dx.ref);
      check("avgpool backward " + name(g), dx, SHORT_SUMS);
    }
  }

  @Test
  void globalAvgPool() {
    for (int[] s : NCI) {
      Twin x = uniform(-1, 1, s[0], s[1], s[2]);
      Twin y = output(s[0], s[1]);
      dut().globalAvgPoolForward(x.dut, s[0], s[1], s[2], y.dut);
      ref().globalAvgPoolForward(x.ref, s[0], s[1], s[2], y.ref);
      check("global avg " + Arrays.toString(s), y, SHORT_SUMS);
      Twin dy = uniform(-1, 1, s[0], s[1]);
      Twin dx = output(s[0], s[1], s[2]);
      dut().globalAvgPoolBackward(dy.dut, s[0], s[1], s[2], dx.dut);
      ref().globalAvgPoolBackward(dy.ref, s[0], s[1], s[2], dx.ref);
      check("global avg backward " + Arrays.toString(s), dx, FEW_OPS);
    }
  }

  // ------------------------------------------------------------------ channels

  private static Tolerance doubleSums(int[] s) {
    return new Tolerance(1e-9 * s[0] * s[2] + 1e-6, 1e-6);
  }

  @Test
  void channelBiasAndSum() {
    for (int[] s : NCI) {
      int outer = s[0];
      int c = s[1];
      int inner = s[2];
      Twin y = uniform(-1, 1, outer, c, inner);
      Twin bias = uniform(-1, 1, c);
      dut().addChannelBias(y.dut, outer, c, inner, bias.dut);
      ref().addChannelBias(y.ref, outer, c, inner, bias.ref);
      check("addChannelBias " + Arrays.toString(s), y, FEW_OPS);
      Twin sum = nanOutput(c);
      dut().channelSum(y.dut, outer, c, inner, 0f, sum.dut);
      ref().channelSum(y.ref, outer, c, inner, 0f, sum.ref);
      check("channelSum beta=0 " + Arrays.toString(s), sum, doubleSums(s));
      dut().channelSum(y.dut, outer, c, inner, 0.5f, sum.dut);
      ref().channelSum(y.ref, outer, c, inner, 0.5f, sum.ref);
      check("channelSum beta=0.5 " + Arrays.toString(s), sum, doubleSums(s));
    }
  }

  @Test
  void channelMoments() {
    for (int[] s : NCI) {
      int outer = s[0];
      int c = s[1];
      int inner = s[2];
      for (float mean : new float[] {0f, 100f}) {
        Twin x = twin(random.normal(outer * c * inner, mean, 1f), outer, c, inner);
        Twin shift = twin(random.uniform(c, mean - 0.5f, mean + 0.5f), c);
        Twin out = output(DType.DOUBLE, 2 * c);
        dut().channelMoments(x.dut, outer, c, inner, shift.dut, out.dut);
        ref().channelMoments(x.ref, outer, c, inner, shift.ref, out.ref);
        check("channelMoments mean=" + mean + " " + Arrays.toString(s), out, doubleSums(s));
        Twin dy = uniform(-1, 1, outer, c, inner);
        dut().channelGradMoments(dy.dut, x.dut, outer, c, inner, shift.dut, out.dut);
        ref().channelGradMoments(dy.ref, x.ref, outer, c, inner, shift.ref, out.ref);
        check("channelGradMoments mean=" + mean + " " + Arrays.toString(s), out, doubleSums(s));
      }
    }
  }

  @Test
  void channelAffine() {
    for (int[] s : NCI) {
      int outer = s[0];
      int c = s[1];
      int inner = s[2];
      Twin x = uniform(-1, 1, outer, c, inner);
      Twin a = uniform(-2, 2, c);
      Twin b = uniform(-1, 1, c);
      Twin d = uniform(-1, 1, c);
      Twin y = output(outer, c, inner);
      dut().channelAffine(x.dut, outer, c, inner, a.dut, b.dut, y.dut);
      ref().channelAffine(x.ref, outer, c, inner, a.ref, b.ref, y.ref);
      check("channelAffine " + Arrays.toString(s), y, FEW_OPS);
      Twin dy = uniform(-1, 1, outer, c, inner);
      Twin dx = output(outer, c, inner);
      dut().channelAffine2(dy.dut, x.dut, outer, c, inner, a.dut, b.dut, d.dut, dx.dut);
      ref().channelAffine2(dy.ref, x.ref, outer, c, inner, a.ref, b.ref, d.ref, dx.ref);
      check("channelAffine2 " + Arrays.toString(s), dx, FEW_OPS);
      dut().channelAffine2(dy.dut, x.dut, outer, c, inner, a.dut, b.dut, d.dut, dy.dut);
      ref().channelAffine2(dy.ref, x.ref, outer, c, inner, a.ref, b.ref, d.ref, dy.ref);
      check("channelAffine2 in place " + Arrays.toString(s), dy, FEW_OPS);
      dut().channelAffine(x.dut, outer, c, inner, a.dut, b.dut, x.dut);
      ref().channelAffine(x.ref, outer, c, inner, a.ref, b.ref, x.ref);
      check("channelAffine in place " + Arrays.toString(s), x, FEW_OPS);
    }
  }

  /**
   * The permutes fused with a channel op: close to the reference, and equal bit for bit to this
   * device's own composition of the separate kernels (channels.cl, invariants 5 and 6).
   */
  @Test
  void layoutFusedChannelOps() {
    int[][] shapes = {{2, 3, 5}, {0, 3, 4}, {4, 16, 49}, {3, 5, 37}, {6, 4, 16}, {70, 3, 17}, {1, 2, 64}};
    for (int[] s : shapes) {
      int n = s[0];
      int c = s[1];
      int inner = s[2];
      for (float mean : new float[] {0f, 100f}) {
        Twin x = twin(random.normal(n * c * inner, mean, 1f), c, n, inner);
        Twin shift = twin(random.uniform(c, mean - 0.5f, mean + 0.5f), c);
        Twin y = output(n, c, inner);
        Twin out = output(DType.DOUBLE, 2 * c);
        dut().cnhwToNchwMoments(x.dut, n, c, inner, shift.dut, y.dut, out.dut);
        ref().cnhwToNchwMoments(x.ref, n, c, inner, shift.ref, y.ref, out.ref);
        String what = " mean=" + mean + " " + Arrays.toString(s);
        check("cnhwToNchwMoments y" + what, y, EXACT);
        check("cnhwToNchwMoments sums" + what, out, doubleSums(new int[] {n, c, inner}));
        Twin y2 = output(n, c, inner);
        Twin out2 = output(DType.DOUBLE, 2 * c);
        dut().cnhwToNchw(x.dut, n, c, inner, y2.dut);
        dut().channelMoments(y2.dut, n, c, inner, shift.dut, out2.dut);
        assertArrayEquals(y2.dut.toFloatArray(), y.dut.toFloatArray(), "permute" + what);
        assertArrayEquals(out2.dut.toDoubleArray(), out.dut.toDoubleArray(),
            "fused sums equal the composition's bit for bit" + what);
      }
      Twin dy = uniform(-1, 1, n, c, inner);
      Twin x = uniform(-1, 1, n, c, inner);
      Twin a = uniform(-2, 2, c);
      Twin b = uniform(-1, 1, c);
      Twin d = uniform(-1, 1, c);
      Twin out = output(c, n, inner);
      dut().nchwToCnhwAffine2(dy.dut, x.dut, n, c, inner, a.dut, b.dut, d.dut, out.dut);
      ref().nchwToCnhwAffine2(dy.ref, x.ref, n, c, inner, a.ref, b.ref, d.ref, out.ref);
      check("nchwToCnhwAffine2 " + Arrays.toString(s), out, FEW_OPS);
      Twin t = output(n, c, inner);
      Twin out2 = output(c, n, inner);
      dut().channelAffine2(dy.dut, x.dut, n, c, inner, a.dut, b.dut, d.dut, t.dut);
      dut().nchwToCnhw(t.dut, n, c, inner, out2.dut);
      if (n > 0) {
        assertArrayEquals(out2.dut.toFloatArray(), out.dut.toFloatArray(),
            "nchwToCnhwAffine2 equals the composition bit for bit " + Arrays.toString(s));
      }
    }
  }

  @Test
  void batchNormTrainForwardAndBackward() {
    int[][] shapes = {{2, 3, 5}, {1, 1, 1}, {0, 3, 4}, {5, 7, 11}, {3, 2, 1}, {4, 16, 49}, {3, 5, 37},
        {6, 4, 16}, {9, 3, 1}};
    Tolerance elementwise = new Tolerance(1e-5, 1e-5);
    for (int[] s : shapes) {
      int outer = s[0];
      int c = s[1];
      int inner = s[2];
      String shape = Arrays.toString(s);
      long count = (long) outer * inner;
      Twin x = twin(random.normal(outer * c * inner, 3f, 2f), outer, c, inner);
      Twin gamma = uniform(0.5f, 1.5f, c);
      Twin beta = uniform(-1, 1, c);
      Twin rm = uniform(2, 4, c);
      Twin rv = uniform(0.5f, 2, c);
      Twin center = output(c);
      Twin invstd = output(DType.DOUBLE, c);
      Twin y = output(outer, c, inner);
      double bessel = count > 1 ? count / (count - 1.0) : 1;
      if (count == 1) {
        assertThrows(IllegalArgumentException.class, () -> dut().batchNormTrainForward(x.dut, outer, c,
            inner, gamma.dut, beta.dut, 1e-5, 0.1, bessel, rm.dut, rv.dut, center.dut, invstd.dut, y.dut),
            shape);
        continue;
      }
      dut().batchNormTrainForward(x.dut, outer, c, inner, gamma.dut, beta.dut, 1e-5, 0.1, bessel, rm.dut,
          rv.dut, center.dut, invstd.dut, y.dut);
      ref().batchNormTrainForward(x.ref, outer, c, inner, gamma.ref, beta.ref, 1e-5, 0.1, bessel, rm.ref,
          rv.ref, center.ref, invstd.ref, y.ref);
      // Count 0 writes nothing: the garbage-filled outputs must still agree exactly.
      Tolerance stats = count == 0 ? EXACT : ROUNDED;
      check("batchNormTrainForward y " + shape, y, count == 0 ? EXACT : elementwise);
      check("batchNormTrainForward runningMean " + shape, rm, stats);
      check("batchNormTrainForward runningVar " + shape, rv, stats);
      check("batchNormTrainForward center " + shape, center, stats);
      check("batchNormTrainForward invstd " + shape, invstd, count == 0 ? EXACT : new Tolerance(1e-9, 1e-7));
      Twin dy = uniform(-1, 1, outer, c, inner);
      Twin dgamma = output(c);
      Twin dbeta = output(c);
      Twin dx = output(outer, c, inner);
      dut().batchNormTrainBackward(dy.dut, x.dut, outer, c, inner, gamma.dut, center.dut, invstd.dut,
          dgamma.dut, dbeta.dut, dx.dut);
      ref().batchNormTrainBackward(dy.ref, x.ref, outer, c, inner, gamma.ref, center.ref, invstd.ref,
          dgamma.ref, dbeta.ref, dx.ref);
      check("batchNormTrainBackward dx " + shape, dx, count == 0 ? EXACT : elementwise);
      check("batchNormTrainBackward dgamma " + shape, dgamma, count == 0 ? EXACT : doubleSums(s));
      check("batchNormTrainBackward dbeta " + shape, dbeta, count == 0 ? EXACT : doubleSums(s));
    }
  }

  // ------------------------------------------------------------------ loss

  @Test
  void softmaxCrossEntropy() {
    int[][] nk = {{0, 3}, {1, 1}, {1, 2}, {5, 10}, {13, 37}, {64, 10}};
    for (int[] s : nk) {
      int n = s[0];
      int k = s[1];
      for (float spread : new float[] {1f, 60f}) {
        Twin logits = uniform(-spread, spread, n, k);
        Twin labels = twin(random.labels(n, k), n);
        Twin prob = output(n, k);
        Twin loss = output(n);
        dut().softmaxCrossEntropyForward(logits.dut, labels.dut, n, k, prob.dut, loss.dut);
        ref().softmaxCrossEntropyForward(logits.ref, labels.ref, n, k, prob.ref, loss.ref);
        String what = " n=" + n + " k=" + k + " spread=" + spread;
        check("softmax prob" + what, prob, SHORT_SUMS);
        check("softmax loss" + what, loss, SHORT_SUMS.times(spread));
        Twin refProb = twin(prob.ref.toFloatArray(), n, k);
        Twin grad = output(n, k);
        dut().softmaxCrossEntropyBackward(refProb.dut, labels.dut, n, k, 0.125f, grad.dut);
        ref().softmaxCrossEntropyBackward(refProb.ref, labels.ref, n, k, 0.125f, grad.ref);
        check("softmax backward" + what, grad, FEW_OPS);
      }
    }
  }
}

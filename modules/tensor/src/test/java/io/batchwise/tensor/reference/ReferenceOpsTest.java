package io.batchwise.tensor.reference;

import static io.batchwise.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.tensor.DType;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.DropoutHash;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import io.batchwise.tensor.testing.RandomTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hand-computed cases and algebraic properties of the reference kernels. */
class ReferenceOpsTest {
  private static final double EXACT = 0;
  private static final double TIGHT = 1e-12;

  private ReferenceDevice device;
  private Ops ops;
  private final RandomTensors random = new RandomTensors(20261123L);

  @BeforeEach
  void open() {
    device = new ReferenceDevice(new DeviceOptions(4, 1));
    ops = device.ops();
  }

  @AfterEach
  void close() {
    device.close();
  }

  private Tensor t(double[] values, int... shape) {
    Tensor t = device.allocate(shape);
    return t.write(values);
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  // ------------------------------------------------------------------ GEMM

  // A = [[1,2,3],[4,5,6]] (2x3), B = [[7,8],[9,10],[11,12]] (3x2): A·B = [[58,64],[139,154]].
  private static final double[] A = {1, 2, 3, 4, 5, 6};
  private static final double[] A_T = {1, 4, 2, 5, 3, 6};
  private static final double[] B = {7, 8, 9, 10, 11, 12};
  private static final double[] B_T = {7, 9, 11, 8, 10, 12};
  private static final double[] AB = {58, 64, 139, 154};

  @Test
  void gemmHandlesEveryTransposeCombination() {
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        Tensor a = t(ta ? A_T : A, 6);
        Tensor b = t(tb ? B_T : B, 6);
        Tensor c = t(new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}, 2, 2);
        ops.gemm(ta, tb, 2, 2, 3, 1f, a, 0, b, 0, 0f, c, 0);
        assertClose("gemm transA=" + ta + " transB=" + tb, AB, c, EXACT);
      }
    }
  }

  @Test
  void gemmAppliesAlphaBetaAndOffsets() {
    // A at offset 2, B at offset 1, C at offset 3 inside larger tensors.
    Tensor a = t(new double[] {-9, -9, 1, 2, 3, 4, 5, 6}, 8);
    Tensor b = t(new double[] {-9, 7, 8, 9, 10, 11, 12}, 7);
    Tensor c = t(new double[] {-1, -1, -1, 1, 2, 3, 4, -1}, 8);
    ops.gemm(false, false, 2, 2, 3, 2f, a, 2, b, 1, 0.5f, c, 3);
    assertClose("alpha=2 beta=0.5", new double[] {-1, -1, -1, 116.5, 129, 279.5, 310, -1}, c, EXACT);
  }

  @Test
  void gemmWithEmptyInnerDimensionScalesC() {
    Tensor a = t(new double[] {0}, 1);
    Tensor b = t(new double[] {0}, 1);
    Tensor c = t(new double[] {1, 2, 3, 4}, 4);
    ops.gemm(false, false, 2, 2, 0, 1f, a, 0, b, 0, 3f, c, 0);
    assertClose("k=0", new double[] {3, 6, 9, 12}, c, EXACT);
    ops.gemm(true, true, 0, 2, 3, 1f, a, 0, t(B, 6), 0, 0f, c, 0); // m = 0 writes nothing
    assertClose("m=0", new double[] {3, 6, 9, 12}, c, EXACT);
  }

  @Test
  void gemmMatchesNaiveTripleLoop() {
    int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {13, 11, 17}, {8, 1, 31}};
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          double[] a = widen(random.uniform(m * k + 3, -1, 1));
          double[] b = widen(random.uniform(k * n + 2, -1, 1));
          double[] c = widen(random.uniform(m * n + 1, -1, 1));
          double[] expected = c.clone();
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double sum = 0;
              for (int p = 0; p < k; p++) {
                double av = ta ? a[3 + p * m + i] : a[3 + i * k + p];
                double bv = tb ? b[2 + j * k + p] : b[2 + p * n + j];
                sum += av * bv;
              }
              expected[1 + i * n + j] = 1.5 * sum - 0.25 * c[1 + i * n + j];
            }
          }
          Tensor ta1 = t(a, a.length);
          Tensor tb1 = t(b, b.length);
          Tensor tc = t(c, c.length);
          ops.gemm(ta, tb, m, n, k, 1.5f, ta1, 3, tb1, 2, -0.25f, tc, 1);
          assertClose("gemm " + m + "x" + n + "x" + k + " " + ta + "," + tb, expected, tc, TIGHT);
        }
      }
    }
  }

  @Test
  void gemmRejectsTooSmallOperands() {
    Tensor a = device.allocate(5);
    Tensor b = device.allocate(6);
    Tensor c = device.allocate(4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ops.gemm(false, false, 2, 2, 3, 1f, a, 0, b, 0, 0f, c, 0));
    assertTrue(e.getMessage().contains("gemm") && e.getMessage().contains("A"), e.getMessage());
  }

  // ------------------------------------------------------------------ layout

  @Test
  void permutesBetweenNchwAndCnhw() {
    int n = 2;
    int c = 3;
    int inner = 2;
    double[] x = new double[n * c * inner];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    Tensor tx = t(x, n, c, inner);
    Tensor ty = device.allocate(c, n, inner);
    ops.nchwToCnhw(tx, n, c, inner, ty);
    // y[c=1][n=1][i=0] = x[n=1][c=1][i=0] = (1·3 + 1)·2 = 8
    assertEquals(8.0, ty.toDoubleArray()[(1 * n + 1) * inner]);
    Tensor back = device.allocate(n, c, inner);
    ops.cnhwToNchw(ty, n, c, inner, back);
    assertClose("round trip", x, back, EXACT);
  }

  // ------------------------------------------------------------------ im2col

  @Test
  void im2colStride2HasTheDocumentedLayout() {
    double[] x = new double[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i;
    }
    Window2d g = Window2d.square(1, 1, 4, 4, 2, 2, 0);
    Tensor col = device.allocate(g.colRows(), g.colCols());
    ops.im2col(t(x, 1, 1, 4, 4), g, col);
    // rows (ky, kx); columns (oy, ox)
    assertClose("im2col", new double[] {
        0, 2, 8, 10,
        1, 3, 9, 11,
        4, 6, 12, 14,
        5, 7, 13, 15}, col, EXACT);
  }

  @Test
  void im2colWithPaddingReadsZerosOutside() {
    double[] x = new double[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i + 1;
    }
    Window2d g = Window2d.square(1, 1, 4, 4, 3, 1, 1);
    Tensor col = device.allocate(g.colRows(), g.colCols());
    ops.im2col(t(x, 1, 1, 4, 4), g, col);
    double[] v = col.toDoubleArray();
    assertEquals(9, g.colRows());
    assertEquals(16, g.colCols());
    assertEquals(0.0, v[0]); // (ky 0, kx 0) at (oy 0, ox 0) reads x[-1][-1]
    assertEquals(1.0, v[5]); // (ky 0, kx 0) at (oy 1, ox 1) reads x[0][0]
    for (int j = 0; j < 16; j++) {
      assertEquals(x[j], v[4 * 16 + j]); // the centre tap reproduces the input
    }
    assertEquals(0.0, v[8 * 16 + 15]); // (ky 2, kx 2) at (3, 3) reads x[4][4]
  }

  @Test
  void col2imIsTheAdjointOfIm2col() {
    Window2d[] windows = {
        Window2d.square(2, 3, 5, 5, 3, 1, 1),
        new Window2d(1, 2, 7, 6, 3, 2, 2, 3, 1, 0),
        Window2d.square(3, 1, 4, 4, 2, 2, 0),
        new Window2d(2, 2, 5, 3, 5, 3, 1, 1, 2, 1)};
    for (Window2d g : windows) {
      double[] x = widen(random.uniform(g.n() * g.c() * g.h() * g.w(), -1, 1));
      double[] y = widen(random.uniform(g.colRows() * g.colCols(), -1, 1));
      Tensor col = device.allocate(g.colRows(), g.colCols());
      ops.im2col(t(x, g.n(), g.c(), g.h(), g.w()), g, col);
      Tensor dx = device.allocate(g.n(), g.c(), g.h(), g.w());
      dx.write(widen(random.uniform(dx.size(), -5, 5))); // col2im must overwrite, not accumulate
      ops.col2im(t(y, y.length), g, dx);
      double lhs = dot(col.toDoubleArray(), y);
      double rhs = dot(x, dx.toDoubleArray());
      assertEquals(lhs, rhs, 1e-10 * (1 + Math.abs(lhs)), "adjointness for " + g);
    }
  }

  // ------------------------------------------------------------------ pooling

  @Test
  void maxPoolTiesGoToTheFirstCell() {
    Window2d g = Window2d.square(1, 1, 2, 2, 2, 2, 0);
    Tensor y = device.allocate(1, 1, 1, 1);
    Tensor arg = device.allocate(1, 1, 1, 1);
    ops.maxPoolForward(t(new double[] {3, 5, 5, 5}, 1, 1, 2, 2), g, y, arg);
    assertEquals(5.0, y.toDoubleArray()[0]);
    assertEquals(1.0, arg.toDoubleArray()[0]);
  }

  @Test
  void maxPoolPaddingNeverWins() {
    // all-negative input, 3x3 window with padding 1: a padded zero would beat every real cell
    double[] x = {-4, -3, -2, -1};
    Window2d g = Window2d.square(1, 1, 2, 2, 3, 1, 1);
    Tensor y = device.allocate(1, 1, 2, 2);
    Tensor arg = device.allocate(1, 1, 2, 2);
    ops.maxPoolForward(t(x, 1, 1, 2, 2), g, y, arg);
    assertClose("max", new double[] {-1, -1, -1, -1}, y, EXACT);
    assertClose("argmax", new double[] {3, 3, 3, 3}, arg, EXACT);
    Tensor dx = device.allocate(1, 1, 2, 2);
    ops.maxPoolBackward(t(new double[] {1, 2, 3, 4}, 1, 1, 2, 2), arg, g, dx);
    assertClose("scatter-add", new double[] {0, 0, 0, 10}, dx, EXACT);
  }

  @Test
  void maxPoolOverlappingWindowsAndArgmaxIndexInPlane() {
    double[] x = {
        1, 9, 2,
        4, 3, 8,
        7, 6, 5,
        // second plane (channel 1)
        0, 0, 0,
        0, 0, 1,
        0, 0, 0};
    Window2d g = Window2d.square(1, 2, 3, 3, 2, 1, 0);
    Tensor y = device.allocate(1, 2, 2, 2);
    Tensor arg = device.allocate(1, 2, 2, 2);
    ops.maxPoolForward(t(x, 1, 2, 3, 3), g, y, arg);
    assertClose("max", new double[] {9, 9, 7, 8, 0, 1, 0, 1}, y, EXACT);
    assertClose("argmax", new double[] {1, 1, 6, 5, 0, 5, 3, 5}, arg, EXACT);
  }

  @Test
  void maxPoolBackwardIsTheTransposeOfTheSelection() {
    // y = S x with S the 0/1 selection fixed by argmax, so <S x, dy> = <x, S^T dy>.
    Window2d g = new Window2d(2, 3, 7, 5, 3, 2, 2, 1, 1, 0);
    double[] x = widen(random.uniform(2 * 3 * 7 * 5, -1, 1));
    Tensor y = device.allocate(2, 3, g.oh(), g.ow());
    Tensor arg = device.allocate(2, 3, g.oh(), g.ow());
    ops.maxPoolForward(t(x, 2, 3, 7, 5), g, y, arg);
    double[] dy = widen(random.uniform(y.size(), -1, 1));
    Tensor dx = device.allocate(2, 3, 7, 5);
    ops.maxPoolBackward(t(dy, y.size()), arg, g, dx);
    assertEquals(dot(y.toDoubleArray(), dy), dot(x, dx.toDoubleArray()), 1e-12);
  }

  @Test
  void avgPoolCountsPaddingAsZeros() {
    // 2x2 input, 2x2 window, stride 2, padding 1: every window holds one real cell, divisor 4.
    Window2d g = Window2d.square(1, 1, 2, 2, 2, 2, 1);
    Tensor y = device.allocate(1, 1, 2, 2);
    ops.avgPoolForward(t(new double[] {4, 8, 12, 16}, 1, 1, 2, 2), g, y);
    assertClose("avg", new double[] {1, 2, 3, 4}, y, EXACT);
  }

  @Test
  void avgPoolBackwardIsTheAdjointOfForward() {
    Window2d[] windows = {Window2d.square(2, 2, 5, 5, 3, 2, 1), new Window2d(1, 3, 6, 7, 2, 3, 1, 2, 0, 1)};
    for (Window2d g : windows) {
      double[] x = widen(random.uniform(g.n() * g.c() * g.h() * g.w(), -1, 1));
      Tensor y = device.allocate(g.n(), g.c(), g.oh(), g.ow());
      ops.avgPoolForward(t(x, x.length), g, y);
      double[] dy = widen(random.uniform(y.size(), -1, 1));
      Tensor dx = device.allocate(x.length);
      ops.avgPoolBackward(t(dy, dy.length), g, dx);
      assertEquals(dot(y.toDoubleArray(), dy), dot(x, dx.toDoubleArray()), 1e-12, g.toString());
    }
  }

  @Test
  void globalAvgPoolForwardAndBackward() {
    Tensor y = device.allocate(2, 2);
    ops.globalAvgPoolForward(t(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3), 2, 2, 3, y);
    assertClose("mean", new double[] {2, 5, 8, 11}, y, TIGHT);
    Tensor dx = device.allocate(2, 2, 3);
    ops.globalAvgPoolBackward(t(new double[] {3, 6, 9, 12}, 2, 2), 2, 2, 3, dx);
    assertClose("spread", new double[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}, dx, TIGHT);
  }

  @Test
  void emptyBatchWritesNothing() {
    Window2d g = Window2d.square(0, 2, 4, 4, 2, 2, 0);
    Tensor x = device.allocate(0, 2, 4, 4);
    Tensor col = device.allocate(g.colRows(), 0);
    ops.im2col(x, g, col);
    ops.col2im(col, g, x);
    Tensor sums = device.allocate(DType.DOUBLE, 4);
    sums.write(new double[] {9, 9, 9, 9});
    Tensor shift = t(new double[] {1, 2}, 2);
    ops.channelMoments(x, 0, 2, 16, shift, sums);
    assertArrayEquals(new double[] {0, 0, 0, 0}, sums.toDoubleArray());
  }

  // ------------------------------------------------------------------ elementwise

  @Test
  void elementwiseOps() {
    Tensor a = t(new double[] {-1, 0, 2, Double.NaN}, 4);
    Tensor y = device.allocate(4);
    ops.reluForward(a, y);
    assertClose("relu", new double[] {0, 0, 2, 0}, y, EXACT);
    Tensor dx = device.allocate(4);
    ops.reluBackward(y, t(new double[] {5, 6, 7, 8}, 4), dx);
    assertClose("relu'", new double[] {0, 0, 7, 0}, dx, EXACT);

    Tensor p = t(new double[] {1, 2, 3}, 3);
    Tensor q = t(new double[] {10, 20, 30}, 3);
    ops.add(p, q, p);
    assertClose("add in place", new double[] {11, 22, 33}, p, EXACT);
    ops.axpy(-2f, q, p);
    assertClose("axpy", new double[] {-9, -18, -27}, p, EXACT);
    ops.scale(p, 0.5f);
    assertClose("scale", new double[] {-4.5, -9, -13.5}, p, EXACT);
    ops.mul(p, q, q);
    assertClose("mul", new double[] {-45, -180, -405}, q, EXACT);
    ops.fill(q, 2.5f);
    assertClose("fill", new double[] {2.5, 2.5, 2.5}, q, EXACT);
    ops.copy(q, p);
    assertClose("copy", new double[] {2.5, 2.5, 2.5}, p, EXACT);
    assertThrows(IllegalArgumentException.class, () -> ops.add(p, device.allocate(4), p));
  }

  @Test
  void dropoutMaskFollowsTheHash() {
    int n = 20_000;
    float keep = 0.7f;
    Tensor mask = device.allocate(n);
    ops.dropoutMask(42L, keep, mask);
    double[] m = mask.toDoubleArray();
    int kept = 0;
    for (int i = 0; i < n; i++) {
      boolean k = DropoutHash.keep(42L, i, keep);
      assertEquals(k ? 1.0 / keep : 0.0, m[i], "element " + i);
      kept += k ? 1 : 0;
    }
    // binomial: mean n·keep, sd ≈ 65; 5 sd
    assertEquals(n * keep, kept, 5 * Math.sqrt(n * keep * (1 - keep)));
    Tensor other = device.allocate(n);
    ops.dropoutMask(43L, keep, other);
    assertFalse(java.util.Arrays.equals(m, other.toDoubleArray()), "another seed gives another mask");
    ops.dropoutMask(42L, 1f, other);
    for (double v : other.toDoubleArray()) {
      assertEquals(1.0, v);
    }
    assertThrows(IllegalArgumentException.class, () -> ops.dropoutMask(1L, 0f, mask));
  }

  @Test
  void dropoutHashValuesArePinned() {
    // Pinned so every device's implementation (OpenCL C included) can check itself against them.
    assertEquals(-483426957, DropoutHash.hash(0L, 0));
    assertEquals(-1460485010, DropoutHash.hash(0L, 1));
    assertEquals(-2053616068, DropoutHash.hash(1L, 1_000_000));
    assertEquals(284615080, DropoutHash.hash(0x123456789ABCDEF0L, 1));
    assertEquals(509431792, DropoutHash.hash(-1L, 1_000_000));
    assertEquals(0.88744336f, DropoutHash.uniform(0L, 0));
  }

  // ------------------------------------------------------------------ channels

  @Test
  void channelOps() {
    // outer 2, c 2, inner 2: x[o][c][i]
    double[] x = {1, 2, 3, 4, 5, 6, 7, 8};
    Tensor tx = t(x, 2, 2, 2);
    Tensor bias = t(new double[] {10, 20}, 2);
    Tensor y = t(x, 2, 2, 2);
    ops.addChannelBias(y, 2, 2, 2, bias);
    assertClose("bias", new double[] {11, 12, 23, 24, 15, 16, 27, 28}, y, EXACT);

    Tensor sum = t(new double[] {100, Double.NaN}, 2);
    ops.channelSum(tx, 2, 2, 2, 0f, sum);
    assertClose("sum beta=0", new double[] {14, 22}, sum, EXACT);
    ops.channelSum(tx, 2, 2, 2, 1f, sum);
    assertClose("sum beta=1", new double[] {28, 44}, sum, EXACT);

    Tensor moments = device.allocate(DType.DOUBLE, 4);
    ops.channelMoments(tx, 2, 2, 2, t(new double[] {3, 6}, 2), moments);
    // channel 0: 1,2,5,6 − 3 → −2,−1,2,3: Σ 2, Σ² 18; channel 1: 3,4,7,8 − 6 → −3,−2,1,2: Σ −2, Σ² 18
    assertArrayEquals(new double[] {2, 18, -2, 18}, moments.toDoubleArray());

    Tensor dy = t(new double[] {1, 1, 2, 2, 1, -1, 0, 3}, 2, 2, 2);
    ops.channelGradMoments(dy, tx, 2, 2, 2, t(new double[] {1, 0}, 2), moments);
    // channel 0: dy 1,1,1,−1 · (x−1) 0,1,4,5 → Σdy 2, Σ 0+1+4−5 = 0
    // channel 1: dy 2,2,0,3 · x 3,4,7,8 → Σdy 7, Σ 6+8+0+24 = 38
    assertArrayEquals(new double[] {2, 0, 7, 38}, moments.toDoubleArray());

    Tensor out = device.allocate(2, 2, 2);
    ops.channelAffine(tx, 2, 2, 2, t(new double[] {2, -1}, 2), t(new double[] {1, 0}, 2), out);
    assertClose("affine", new double[] {3, 5, -3, -4, 11, 13, -7, -8}, out, EXACT);
    ops.channelAffine2(dy, tx, 2, 2, 2, t(new double[] {1, 2}, 2), t(new double[] {0.5, 0}, 2),
        t(new double[] {0, 1}, 2), dy);
    assertClose("affine2 in place", new double[] {1.5, 2, 5, 5, 3.5, 2, 1, 7}, dy, EXACT);
  }

  @Test
  void channelMomentsKeepVarianceWithALargeMean() {
    int count = 1000;
    double[] x = new double[count];
    for (int i = 0; i < count; i++) {
      x[i] = 1e6 + (i % 2 == 0 ? 1 : -1); // variance exactly 1
    }
    Tensor moments = device.allocate(DType.DOUBLE, 2);
    ops.channelMoments(t(x, 1, 1, count), 1, 1, count, t(new double[] {1e6}, 1), moments);
    double[] m = moments.toDoubleArray();
    double mean = m[0] / count;
    assertEquals(1.0, m[1] / count - mean * mean, 1e-12);
  }

  // ------------------------------------------------------------------ loss

  @Test
  void softmaxCrossEntropySmallCase() {
    Tensor prob = device.allocate(1, 3);
    Tensor loss = device.allocate(1);
    ops.softmaxCrossEntropyForward(t(new double[] {1, 2, 3}, 1, 3), t(new double[] {2}, 1), 1, 3, prob, loss);
    double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertClose("prob", new double[] {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z}, prob, TIGHT);
    assertClose("loss", new double[] {Math.log(z) - 3}, loss, TIGHT);
    Tensor grad = device.allocate(1, 3);
    ops.softmaxCrossEntropyBackward(prob, t(new double[] {2}, 1), 1, 3, 0.5f, grad);
    assertClose("grad", new double[] {0.5 * Math.exp(1) / z, 0.5 * Math.exp(2) / z, 0.5 * (Math.exp(3) / z - 1)},
        grad, TIGHT);
  }

  @Test
  void softmaxCrossEntropyStaysFiniteWithLargeLogits() {
    Tensor logits = t(new double[] {1000, 0, -1000, 1000, 0, -1000}, 2, 3);
    Tensor prob = device.allocate(2, 3);
    Tensor loss = device.allocate(2);
    ops.softmaxCrossEntropyForward(logits, t(new double[] {1, 0}, 2), 2, 3, prob, loss);
    assertClose("loss via logsumexp", new double[] {1000, 0}, loss, TIGHT);
    assertClose("prob", new double[] {1, 0, 0, 1, 0, 0}, prob, TIGHT);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ops.softmaxCrossEntropyForward(logits, t(new double[] {3, 0}, 2), 2, 3, prob, loss));
    assertTrue(e.getMessage().contains("label"), e.getMessage());
  }

  // ------------------------------------------------------------------ optimizer

  @Test
  void sgdMomentumInPyTorchForm() {
    // w 1, g 0.5, v 0.2, lr 0.1, μ 0.9, wd 0.01: g' = 0.51, v = 0.69
    Tensor w = t(new double[] {1}, 1);
    Tensor v = t(new double[] {0.2}, 1);
    ops.sgdMomentum(w, t(new double[] {0.5}, 1), v, 0.1f, 0.9f, 0.01f, false);
    double g1 = 0.5 + (double) 0.01f;
    double v1 = (double) 0.9f * 0.2 + g1;
    assertClose("v", new double[] {v1}, v, TIGHT);
    assertClose("w", new double[] {1 - (double) 0.1f * v1}, w, TIGHT);

    Tensor wn = t(new double[] {1}, 1);
    Tensor vn = t(new double[] {0.2}, 1);
    ops.sgdMomentum(wn, t(new double[] {0.5}, 1), vn, 0.1f, 0.9f, 0.01f, true);
    assertClose("nesterov w", new double[] {1 - (double) 0.1f * (g1 + (double) 0.9f * v1)}, wn, TIGHT);

    Tensor w0 = t(new double[] {1}, 1);
    Tensor v0 = t(new double[] {7}, 1);
    ops.sgdMomentum(w0, t(new double[] {0.5}, 1), v0, 1f, 0f, 0f, false);
    assertClose("μ=0 stores g' in v", new double[] {0.5}, v0, EXACT);
    assertClose("μ=0 plain sgd", new double[] {0.5}, w0, EXACT);
  }

  // ------------------------------------------------------------------ errors

  @Test
  void rejectsForeignAndClosedTensors() {
    try (ReferenceDevice other = new ReferenceDevice(new DeviceOptions(1, 1))) {
      Tensor foreign = other.allocate(3);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ops.fill(foreign, 1f));
      assertTrue(e.getMessage().contains("lives on"), e.getMessage());
    }
    Tensor x = device.allocate(3);
    x.close();
    assertThrows(IllegalStateException.class, () -> ops.fill(x, 1f));
    Tensor d = device.allocate(DType.DOUBLE, 3);
    assertThrows(IllegalArgumentException.class, () -> ops.fill(d, 1f));
  }

  private static double[] widen(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}

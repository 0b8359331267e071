package io.batchwise.tensor.opencl;

import static io.batchwise.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.batchwise.tensor.DType;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.tensor.DropoutHash;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import io.batchwise.tensor.reference.ReferenceDevice;
import io.batchwise.tensor.testing.RandomTensors;
import io.batchwise.tensor.testing.TensorAssert.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenCL-specific checks that complement {@link OpenClOpsConformanceTest}: launch sizes around
 * work-group boundaries, every im2col version, the tiled and gather pooling backward paths, the
 * per-group and per-channel reduction kernels, bit-identical channel statistics for identical
 * inputs, shifted moments that keep a tiny variance under a huge mean, dropout masks equal to
 * {@link DropoutHash} bit for bit, host-side label checks, and arena cells around outputs left
 * untouched. Values are compared with the double-precision {@link ReferenceDevice}.
 *
 * <p>Skipped, loudly, where the machine has no OpenCL device.
 */
class OpenClOpsTest {
  private static final Tolerance EXACT = Tolerance.EXACT;
  private static final Tolerance FLOAT = new Tolerance(1e-5, 1e-5);
  private static final Tolerance SUMS = new Tolerance(1e-4, 1e-5);

  private static OpenClDevice cl;
  private static ReferenceDevice ref;
  private final List<Tensor> tensors = new ArrayList<>();

  @BeforeAll
  static void open() {
    if (Devices.openClDevices().isEmpty()) {
      System.err.println("*** OpenClOpsTest SKIPPED: no OpenCL device (" + Devices.openClProblem()
          + "). The OpenCL kernels are NOT tested on this machine. ***");
    }
    assumeTrue(!Devices.openClDevices().isEmpty(), "no OpenCL device: " + Devices.openClProblem());
    cl = (OpenClDevice) Devices.open("opencl", new DeviceOptions(64, 1));
    ref = new ReferenceDevice(new DeviceOptions(64, 1));
    System.err.println("OpenClOpsTest runs on " + cl);
  }

  @AfterAll
  static void close() {
    if (cl != null) {
      cl.close();
    }
    if (ref != null) {
      ref.close();
    }
  }

  @AfterEach
  void release(org.junit.jupiter.api.TestInfo test) throws InterruptedException {
    tensors.forEach(Tensor::close);
    tensors.clear();
    // A full GC after each test: with an arena the GC could move under its OpenCL buffer, the
    // JVM hung at a later collection (see FloatArenaDevice.MIN_ARENA_BYTES); hugeBatches... allocates
    // enough to force collections too.
    Thread gc = new Thread(System::gc, "gc-probe");
    gc.setDaemon(true);
    gc.start();
    gc.join(20_000);
    if (gc.isAlive()) {
      System.err.println("*** GC BLOCKED after " + test.getDisplayName() + ": a JNI pin leaked ***");
      Runtime.getRuntime().halt(97);
    }
  }

  /** The same values on both devices: [0] OpenCL, [1] reference. */
  private Tensor[] both(float[] values, int... shape) {
    Tensor a = track(cl.upload(values, shape));
    Tensor b = track(ref.upload(values, shape));
    return new Tensor[] {a, b};
  }

  private Tensor[] both(RandomTensors r, int... shape) {
    return both(r.uniform(Tensor.sizeOf(shape), -2f, 2f), shape);
  }

  /** Uninitialized outputs on both devices, filled with NaN so unwritten cells show. */
  private Tensor[] out(int... shape) {
    return both(nan(Tensor.sizeOf(shape)), shape);
  }

  private Tensor[] outDouble(int n) {
    Tensor a = track(cl.allocate(DType.DOUBLE, n));
    Tensor b = track(ref.allocate(DType.DOUBLE, n));
    double[] v = new double[n];
    java.util.Arrays.fill(v, Double.NaN);
    a.write(v);
    b.write(v);
    return new Tensor[] {a, b};
  }

  private Tensor track(Tensor t) {
    tensors.add(t);
    return t;
  }

  private static float[] nan(int n) {
    float[] v = new float[n];
    java.util.Arrays.fill(v, Float.NaN);
    return v;
  }

  private static void same(String what, Tensor[] t, Tolerance tol) {
    assertClose(what, t[1], t[0], tol);
  }

  /** Runs {@code op} on the OpenCL device ([0] tensors) and on the reference ([1] tensors). */
  private static void run(BiConsumer<io.batchwise.tensor.Ops, Integer> op) {
    op.accept(cl.ops(), 0);
    op.accept(ref.ops(), 1);
  }

  private static Window2d randomWindow(RandomTensors r, boolean pooling) {
    int n = r.nextInt(0, 3) == 0 ? 0 : r.nextInt(1, 4);
    int c = r.nextInt(1, 5);
    int h = r.nextInt(1, 13);
    int w = r.nextInt(1, 13);
    int kh = r.nextInt(1, Math.min(5, h + 2));
    int kw = r.nextInt(1, Math.min(5, w + 2));
    int ph = pooling ? r.nextInt(0, kh / 2) : r.nextInt(0, kh - 1);
    int pw = pooling ? r.nextInt(0, kw / 2) : r.nextInt(0, kw - 1);
    if (h + 2 * ph < kh) {
      ph = (kh - h + 1) / 2;
    }
    if (w + 2 * pw < kw) {
      pw = (kw - w + 1) / 2;
    }
    if (pooling && (2 * ph > kh || 2 * pw > kw)) {
      kh = Math.min(kh, h);
      kw = Math.min(kw, w);
      ph = 0;
      pw = 0;
    }
    return new Window2d(n, c, h, w, kh, kw, r.nextInt(1, 3), r.nextInt(1, 3), ph, pw);
  }

  // ---------------------------------------------------------------- memory and elementwise

  @Test
  void elementwiseOpsMatchReference() {
    RandomTensors r = new RandomTensors(1);
    for (int n : new int[] {0, 1, 7, 255, 256, 257, 1000, 4099}) {
      Tensor[] a = both(r, n);
      Tensor[] b = both(r, n);
      Tensor[] o = out(n);
      run((ops, i) -> ops.fill(o[i], 3.5f));
      same("fill " + n, o, EXACT);
      run((ops, i) -> ops.copy(a[i], o[i]));
      same("copy " + n, o, EXACT);
      run((ops, i) -> ops.add(a[i], b[i], o[i]));
      same("add " + n, o, FLOAT);
      run((ops, i) -> ops.mul(a[i], b[i], o[i]));
      same("mul " + n, o, FLOAT);
      run((ops, i) -> ops.axpy(-0.75f, a[i], o[i]));
      same("axpy " + n, o, FLOAT);
      run((ops, i) -> ops.scale(o[i], 1.5f));
      same("scale " + n, o, FLOAT);
      run((ops, i) -> ops.reluForward(a[i], o[i]));
      same("reluForward " + n, o, EXACT);
      Tensor[] dx = out(n);
      run((ops, i) -> ops.reluBackward(o[i], b[i], dx[i]));
      same("reluBackward " + n, dx, EXACT);
      run((ops, i) -> ops.reluForward(b[i], b[i])); // in place
      same("reluForward in place " + n, b, EXACT);
      run((ops, i) -> ops.add(a[i], b[i], a[i])); // out aliases a
      same("add in place " + n, a, FLOAT);
    }
  }

  /** Invariant 4 of channels.cl: one launch gives the same bits as moments, host arithmetic, affine. */
  @Test
  void fusedBatchNormEqualsTheCompositionBitForBit() {
    RandomTensors r = new RandomTensors(9);
    OpenClOps ops = cl.ops();
    int[][] shapes = {{64, 20, 576}, {64, 50, 64}, {5, 3, 37}, {64, 500, 1}, {7, 3, 15}, {2, 4, 16}};
    try {
      for (int[] s : shapes) {
        int outer = s[0];
        int c = s[1];
        int inner = s[2];
        int n = outer * c * inner;
        float[] x = r.normal(n, 4f, 3f);
        float[] gamma = r.uniform(c, 0.5f, 1.5f);
        float[] beta = r.uniform(c, -1f, 1f);
        float[] rm = r.uniform(c, 3f, 5f);
        float[] rv = r.uniform(c, 0.5f, 2f);
        float[] dy = r.uniform(n, -1f, 1f);
        double count = (double) outer * inner;
        Tensor[][] runs = new Tensor[2][];
        for (int run = 0; run < 2; run++) {
          ops.fusedBatchNorm(run == 0);
          Tensor xt = track(cl.upload(x, outer, c, inner));
          Tensor g = track(cl.upload(gamma, c));
          Tensor b = track(cl.upload(beta, c));
          Tensor m = track(cl.upload(rm, c));
          Tensor v = track(cl.upload(rv, c));
          Tensor center = track(cl.zeros(c));
          Tensor invstd = track(cl.allocate(DType.DOUBLE, c));
          Tensor y = track(cl.zeros(outer, c, inner));
          ops.batchNormTrainForward(xt, outer, c, inner, g, b, 1e-5, 0.1, count / (count - 1), m, v,
              center, invstd, y);
          Tensor dyt = track(cl.upload(dy, outer, c, inner));
          Tensor dg = track(cl.zeros(c));
          Tensor db = track(cl.zeros(c));
          Tensor dx = track(cl.zeros(outer, c, inner));
          ops.batchNormTrainBackward(dyt, xt, outer, c, inner, g, center, invstd, dg, db, dx);
          runs[run] = new Tensor[] {y, m, v, center, invstd, dg, db, dx};
        }
        String[] names = {"y", "runningMean", "runningVar", "center", "invstd", "dgamma", "dbeta", "dx"};
        for (int i = 0; i < names.length; i++) {
          assertArrayEquals(runs[1][i].toDoubleArray(), runs[0][i].toDoubleArray(),
              "fused vs composed " + names[i] + " " + java.util.Arrays.toString(s));
        }
      }
    } finally {
      ops.fusedBatchNorm(true);
    }
  }

  @Test
  void outputsDoNotSpillIntoNeighbours() {
    Tensor guardBefore = track(cl.upload(new float[] {7f, 7f, 7f}, 3));
    Tensor x = track(cl.zeros(33));
    Tensor guardAfter = track(cl.upload(new float[] {9f, 9f, 9f}, 3));
    cl.ops().fill(x, 1f);
    cl.ops().scale(x, 2f);
    assertArrayEquals(new float[] {7f, 7f, 7f}, guardBefore.toFloatArray());
    assertArrayEquals(new float[] {9f, 9f, 9f}, guardAfter.toFloatArray());
    float[] two = new float[33];
    java.util.Arrays.fill(two, 2f);
    assertArrayEquals(two, x.toFloatArray());
  }

  @Test
  void dropoutMaskIsDropoutHashBitForBit() {
    RandomTensors r = new RandomTensors(2);
    for (float keep : new float[] {0.5f, 0.9f, 1f, 0.123f}) {
      long seed = r.nextLong();
      int n = 5003;
      Tensor mask = track(cl.allocate(n));
      cl.ops().dropoutMask(seed, keep, mask);
      float[] got = mask.toFloatArray();
      int kept = 0;
      for (int i = 0; i < n; i++) {
        float expected = DropoutHash.keep(seed, i, keep) ? 1f / keep : 0f;
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got[i]),
            "mask[" + i + "] seed " + seed + " keep " + keep);
        kept += got[i] != 0f ? 1 : 0;
      }
      assertEquals(keep, kept / (double) n, 0.03, "kept fraction");
    }
    assertThrows(IllegalArgumentException.class,
        () -> cl.ops().dropoutMask(1L, 0f, track(cl.allocate(4))));
  }

  // ---------------------------------------------------------------- layout and convolution

  @Test
  void permutesMatchReference() {
    RandomTensors r = new RandomTensors(3);
    for (int t = 0; t < 8; t++) {
      int n = r.nextInt(0, 5);
      int c = r.nextInt(1, 7);
      int inner = r.nextInt(1, 30);
      Tensor[] x = both(r, n, c, inner);
      Tensor[] y = out(c, n, inner);
      run((ops, i) -> ops.nchwToCnhw(x[i], n, c, inner, y[i]));
      same("nchwToCnhw", y, EXACT);
      Tensor[] z = out(n, c, inner);
      run((ops, i) -> ops.cnhwToNchw(y[i], n, c, inner, z[i]));
      same("cnhwToNchw", z, EXACT);
      assertClose("round trip", x[0], z[0], EXACT);
    }
  }

  @Test
  void im2colBothVersionsAndCol2imMatchReference() {
    RandomTensors r = new RandomTensors(4);
    OpenClOps ops = cl.ops();
    OpenClOps.Im2colVersion before = ops.im2colVersion();
    try {
      List<Window2d> windows = new ArrayList<>(List.of(
          new Window2d(2, 3, 12, 12, 5, 5, 1, 1, 0, 0), // LeNet's second conv: 8 = one chunk
          new Window2d(2, 1, 28, 28, 5, 5, 1, 1, 0, 0), // LeNet's first conv: 24 = three chunks
          new Window2d(2, 3, 19, 21, 3, 3, 1, 1, 1, 1), // ResNet-style padding, tails
          new Window2d(1, 2, 17, 18, 3, 3, 2, 1, 1, 1))); // stride 1 along x only
      for (int t = 0; t < 25; t++) {
        windows.add(randomWindow(r, false));
      }
      for (Window2d g : windows) {
        String name = g.toString();
        Tensor[] x = both(r, g.n(), g.c(), g.h(), g.w());
        for (OpenClOps.Im2colVersion v : OpenClOps.Im2colVersion.values()) {
          ops.im2colVersion(v);
          Tensor[] col = out(g.colRows(), g.colCols());
          run((o, i) -> o.im2col(x[i], g, col[i]));
          same("im2col " + v + " " + name, col, EXACT);
        }
        Tensor[] col = both(r, g.colRows(), g.colCols());
        for (boolean vector : new boolean[] {true, false}) {
          ops.vectorCol2im(vector);
          Tensor[] dx = out(g.n(), g.c(), g.h(), g.w());
          run((o, i) -> o.col2im(col[i], g, dx[i]));
          same("col2im vector=" + vector + " " + name, dx, SUMS);
        }
      }
    } finally {
      ops.im2colVersion(before);
      ops.vectorCol2im(true);
    }
  }

  @Test
  void hugeBatchesLeaveTheFloatIndexSplitKernels() {
    // n·oh·⌈ow/8⌉ reaches 2^20: im2col v5 and col2im v2 would split that index inexactly, so
    // the ops must fall back to kernels that do not.
    Window2d g = new Window2d((1 << 20) + 3, 1, 1, 2, 1, 1, 1, 1, 0, 0);
    Tensor[] x = both(new RandomTensors(13), g.n(), 1, 1, 2);
    Tensor[] col = out(g.colRows(), g.colCols());
    run((o, i) -> o.im2col(x[i], g, col[i]));
    same("im2col, huge batch", col, EXACT);
    Tensor[] dx = out(g.n(), 1, 1, 2);
    run((o, i) -> o.col2im(col[i], g, dx[i]));
    same("col2im, huge batch", dx, EXACT);
  }

  @Test
  void gemmDelegatesWithTensorOffsets() {
    RandomTensors r = new RandomTensors(5);
    int m = 13;
    int n = 7;
    int k = 9;
    Tensor[] a = both(r, 3 + m * k);
    Tensor[] b = both(r, 5 + k * n);
    Tensor[] c = both(r, 2 + m * n);
    run((ops, i) -> ops.gemm(true, false, m, n, k, 0.5f, a[i], 3, b[i], 5, 0.25f, c[i], 2));
    same("gemm", c, SUMS);
  }

  // ---------------------------------------------------------------- pooling

  @Test
  void poolingMatchesReference() {
    pooling(6);
  }

  @Test
  void generalPoolingKernelsMatchReference() {
    cl.ops().poolFastPaths(false);
    try {
      pooling(16);
    } finally {
      cl.ops().poolFastPaths(true);
    }
  }

  private void pooling(long seed) {
    RandomTensors r = new RandomTensors(seed);
    List<Window2d> windows = new ArrayList<>(List.of(
        new Window2d(2, 3, 8, 8, 2, 2, 2, 2, 0, 0), // tiled fast path
        new Window2d(2, 3, 7, 9, 2, 2, 2, 2, 0, 0), // tiled, uncovered last row and column
        new Window2d(1, 2, 9, 10, 3, 3, 3, 3, 0, 0),
        new Window2d(3, 20, 24, 24, 2, 2, 2, 2, 0, 0), // LeNet's first pooling
        new Window2d(2, 3, 35, 37, 2, 2, 2, 2, 0, 0), // 2x2: full 8-chunks, tails, odd sizes
        new Window2d(1, 2, 4, 4, 2, 2, 2, 2, 0, 0)));
    for (int t = 0; t < 25; t++) {
      windows.add(randomWindow(r, true));
    }
    for (Window2d g : windows) {
      String name = g.toString();
      Tensor[] x = both(r, g.n(), g.c(), g.h(), g.w());
      Tensor[] y = out(g.n(), g.c(), g.oh(), g.ow());
      Tensor[] arg = out(g.n(), g.c(), g.oh(), g.ow());
      run((ops, i) -> ops.maxPoolForward(x[i], g, y[i], arg[i]));
      same("maxPoolForward " + name, y, EXACT);
      same("maxPoolForward argmax " + name, arg, EXACT);
      Tensor[] dy = both(r, g.n(), g.c(), g.oh(), g.ow());
      Tensor[] dx = out(g.n(), g.c(), g.h(), g.w());
      run((ops, i) -> ops.maxPoolBackward(dy[i], arg[i], g, dx[i]));
      same("maxPoolBackward " + name, dx, FLOAT);
      run((ops, i) -> ops.avgPoolForward(x[i], g, y[i]));
      same("avgPoolForward " + name, y, FLOAT);
      run((ops, i) -> ops.avgPoolBackward(dy[i], g, dx[i]));
      same("avgPoolBackward " + name, dx, FLOAT);
    }
  }

  @Test
  void maxPoolTiesGoToFirstCell() {
    Window2d g = Window2d.square(1, 1, 2, 2, 2, 2, 0);
    Tensor x = track(cl.upload(new float[] {1f, 3f, 3f, 3f}, 1, 1, 2, 2));
    Tensor y = track(cl.allocate(1));
    Tensor arg = track(cl.allocate(1));
    cl.ops().maxPoolForward(x, g, y, arg);
    assertEquals(3f, y.toFloatArray()[0]);
    assertEquals(1f, arg.toFloatArray()[0]);
  }

  @Test
  void globalAvgPoolMatchesReference() {
    RandomTensors r = new RandomTensors(7);
    for (int t = 0; t < 6; t++) {
      int n = r.nextInt(0, 4);
      int c = r.nextInt(1, 9);
      int inner = r.nextInt(1, 70);
      Tensor[] x = both(r, n, c, inner);
      Tensor[] y = out(n, c);
      run((ops, i) -> ops.globalAvgPoolForward(x[i], n, c, inner, y[i]));
      same("globalAvgPoolForward", y, FLOAT);
      Tensor[] dx = out(n, c, inner);
      run((ops, i) -> ops.globalAvgPoolBackward(y[i], n, c, inner, dx[i]));
      same("globalAvgPoolBackward", dx, FLOAT);
    }
  }

  // ---------------------------------------------------------------- channels

  @Test
  void channelOpsMatchReference() {
    channelOps(true);
  }

  @Test
  void scalarChannelReductionsMatchReference() {
    cl.ops().vectorReductions(false);
    try {
      channelOps(false);
    } finally {
      cl.ops().vectorReductions(true);
    }
  }

  private void channelOps(boolean vector) {
    RandomTensors r = new RandomTensors(vector ? 8 : 18);
    int[][] shapes = {{0, 3, 5}, {1, 1, 1}, {64, 7, 1}, {3, 5, 63}, {2, 4, 65}, {5, 3, 130},
        {4, 20, 49}, {1, 2, 1000}, {6, 3, 9}, {9, 300, 1}};
    for (int[] s : shapes) {
      int outer = s[0];
      int c = s[1];
      int inner = s[2];
      String name = outer + "x" + c + "x" + inner;
      Tensor[] x = both(r.uniform(outer * c * inner, 0.5f, 3f), outer, c, inner);
      Tensor[] dy = both(r, outer, c, inner);
      Tensor[] k = both(r.uniform(c, 1f, 2f), c);
      Tensor[] a = both(r, c);
      Tensor[] b = both(r, c);
      Tensor[] d = both(r, c);

      Tensor[] sum = both(r, c);
      run((ops, i) -> ops.channelSum(x[i], outer, c, inner, 0.5f, sum[i]));
      same("channelSum beta 0.5 " + name, sum, SUMS);
      Tensor[] fresh = out(c);
      run((ops, i) -> ops.channelSum(x[i], outer, c, inner, 0f, fresh[i]));
      same("channelSum beta 0 over NaN " + name, fresh, SUMS);

      Tensor[] mom = outDouble(2 * c);
      run((ops, i) -> ops.channelMoments(x[i], outer, c, inner, k[i], mom[i]));
      same("channelMoments " + name, mom, new Tolerance(1e-9, 1e-12));
      Tensor[] gm = outDouble(2 * c);
      run((ops, i) -> ops.channelGradMoments(dy[i], x[i], outer, c, inner, k[i], gm[i]));
      same("channelGradMoments " + name, gm, new Tolerance(1e-9, 1e-12));

      Tensor[] y = out(outer, c, inner);
      run((ops, i) -> ops.channelAffine(x[i], outer, c, inner, a[i], b[i], y[i]));
      same("channelAffine " + name, y, FLOAT);
      run((ops, i) -> ops.addChannelBias(y[i], outer, c, inner, d[i]));
      same("addChannelBias " + name, y, FLOAT);
      Tensor[] dx = out(outer, c, inner);
      run((ops, i) -> ops.channelAffine2(dy[i], x[i], outer, c, inner, a[i], b[i], d[i], dx[i]));
      same("channelAffine2 " + name, dx, FLOAT);
      run((ops, i) -> ops.channelAffine2(dy[i], x[i], outer, c, inner, a[i], b[i], d[i], dy[i]));
      same("channelAffine2 in place " + name, dy, FLOAT);
    }
  }

  @Test
  void channelMomentsAreBitIdenticalForIdenticalInputs() {
    bitIdentical(16, 5, 577); // one work-group per channel
    bitIdentical(64, 5, 1); // one work-item per channel (dense layers)
  }

  private void bitIdentical(int outer, int c, int inner) {
    RandomTensors r = new RandomTensors(9);
    float[] values = r.normal(outer * c * inner, 3f, 2f);
    Tensor x1 = track(cl.upload(values, outer, c, inner));
    Tensor x2 = track(cl.upload(values, outer, c, inner));
    Tensor shift = track(cl.upload(new float[] {3f, 2.9f, 0f, -1f, 3.1f}, c));
    Tensor o1 = track(cl.allocate(DType.DOUBLE, 2 * c));
    Tensor o2 = track(cl.allocate(DType.DOUBLE, 2 * c));
    cl.ops().channelMoments(x1, outer, c, inner, shift, o1);
    cl.ops().channelMoments(x2, outer, c, inner, shift, o2);
    double[] a = o1.toDoubleArray();
    double[] b = o2.toDoubleArray();
    for (int i = 0; i < a.length; i++) {
      assertEquals(Double.doubleToLongBits(a[i]), Double.doubleToLongBits(b[i]), "moment " + i);
    }
    cl.ops().channelGradMoments(x1, x2, outer, c, inner, shift, o1);
    cl.ops().channelGradMoments(x2, x1, outer, c, inner, shift, o2);
    a = o1.toDoubleArray();
    b = o2.toDoubleArray();
    for (int i = 0; i < a.length; i++) {
      assertEquals(Double.doubleToLongBits(a[i]), Double.doubleToLongBits(b[i]), "grad moment " + i);
    }
  }

  @Test
  void shiftedMomentsKeepTinyVarianceUnderHugeMean() {
    RandomTensors r = new RandomTensors(10);
    int outer = 32;
    int inner = 300;
    float[] values = r.normal(outer * inner, 1e4f, 1e-2f);
    double mean = 0;
    for (float v : values) {
      mean += v;
    }
    mean /= values.length;
    double var = 0;
    for (float v : values) {
      var += (v - mean) * (v - mean);
    }
    var /= values.length;
    Tensor x = track(cl.upload(values, outer, 1, inner));
    Tensor shift = track(cl.upload(new float[] {values[0]}, 1)); // an approximate mean
    Tensor out = track(cl.allocate(DType.DOUBLE, 2));
    cl.ops().channelMoments(x, outer, 1, inner, shift, out);
    double[] m = out.toDoubleArray();
    double n = values.length;
    double got = m[1] / n - (m[0] / n) * (m[0] / n);
    assertEquals(var, got, 1e-3 * var, "variance through shifted moments");
    assertEquals(mean, values[0] + m[0] / n, 1e-6, "mean through shifted moments");
  }

  // ---------------------------------------------------------------- loss and optimizer

  @Test
  void softmaxCrossEntropyMatchesReference() {
    RandomTensors r = new RandomTensors(11);
    for (int[] s : new int[][] {{0, 10}, {1, 1}, {7, 10}, {64, 10}, {5, 3}}) {
      int n = s[0];
      int k = s[1];
      Tensor[] logits = both(r.uniform(n * k, -20f, 20f), n, k);
      Tensor[] labels = both(r.labels(n, k), n);
      Tensor[] prob = out(n, k);
      Tensor[] loss = out(n);
      run((ops, i) -> ops.softmaxCrossEntropyForward(logits[i], labels[i], n, k, prob[i], loss[i]));
      same("softmax prob " + n + "x" + k, prob, FLOAT);
      same("softmax loss " + n + "x" + k, loss, new Tolerance(1e-4, 1e-5));
      Tensor[] dl = out(n, k);
      run((ops, i) -> ops.softmaxCrossEntropyBackward(prob[i], labels[i], n, k, 0.125f, dl[i]));
      same("softmax backward " + n + "x" + k, dl, FLOAT);
    }
    Tensor logits = track(cl.zeros(2, 3));
    Tensor bad = track(cl.upload(new float[] {1f, 3f}, 2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> cl.ops().softmaxCrossEntropyForward(logits, bad, 2, 3, track(cl.allocate(2, 3)),
            track(cl.allocate(2))));
    assertTrue(e.getMessage().contains("label"), e.getMessage());
  }

  @Test
  void sgdMomentumMatchesReference() {
    RandomTensors r = new RandomTensors(12);
    for (boolean nesterov : new boolean[] {false, true}) {
      for (float mu : new float[] {0f, 0.9f}) {
        int n = 1001;
        Tensor[] w = both(r, n);
        Tensor[] g = both(r, n);
        Tensor[] v = both(r, n);
        for (int step = 0; step < 3; step++) {
          run((ops, i) -> ops.sgdMomentum(w[i], g[i], v[i], 0.1f, mu, 1e-3f, nesterov));
        }
        same("sgd w nesterov=" + nesterov + " mu=" + mu, w, FLOAT);
        same("sgd v nesterov=" + nesterov + " mu=" + mu, v, FLOAT);
      }
    }
  }

  // ---------------------------------------------------------------- arguments

  @Test
  void badArgumentsAreRejectedWithClearMessages() {
    Tensor a = track(cl.zeros(4));
    Tensor b = track(cl.zeros(5));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> cl.ops().add(a, a, b));
    assertTrue(e.getMessage().contains("add"), e.getMessage());
    Tensor onRef = track(ref.zeros(4));
    e = assertThrows(IllegalArgumentException.class, () -> cl.ops().copy(onRef, a));
    assertTrue(e.getMessage().contains("reference"), e.getMessage());
    Tensor d = track(cl.allocate(DType.DOUBLE, 2));
    e = assertThrows(IllegalArgumentException.class,
        () -> cl.ops().channelSum(a, 1, 1, 4, 0f, d));
    assertTrue(e.getMessage().contains("FLOAT"), e.getMessage());
  }

  @Test
  void descriptionNamesDriverAndDevice() {
    String description = cl.description();
    assertTrue(description.contains(cl.aparapiDevice().getName()), description);
    assertTrue(cl.name().startsWith("opencl:"), cl.name());
    assertEquals(Device.Kind.OPENCL, cl.kind());
  }
}

package io.batchwise.tensor.opencl;

import static io.batchwise.tensor.reference.KernelArguments.colSize;
import static io.batchwise.tensor.reference.KernelArguments.dims;
import static io.batchwise.tensor.reference.KernelArguments.doubles;
import static io.batchwise.tensor.reference.KernelArguments.floats;
import static io.batchwise.tensor.reference.KernelArguments.inputSize;
import static io.batchwise.tensor.reference.KernelArguments.keepProbability;
import static io.batchwise.tensor.reference.KernelArguments.label;
import static io.batchwise.tensor.reference.KernelArguments.outputSize;
import static io.batchwise.tensor.reference.KernelArguments.sameSize;

import com.aparapi.Range;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;

/**
 * The {@link Ops} of an {@link OpenClDevice}: argument checks on the host, then one launch of an
 * OpenCL C kernel bound through Aparapi. Every launch passes the device's arena arrays (never a
 * per-tensor array) plus element offsets.
 *
 * <p>Launch rules:
 * <ol>
 *   <li>1-D launches round the global size up to the work-group size; kernels check their index.</li>
 *   <li>A launch with nothing to do (n = 0) is skipped, except the channel reductions, which still
 *       run over c channels to write their zero sums.</li>
 *   <li>Aparapi launches are synchronous: when a method returns, the arena holds the result, so the
 *       host may read labels or results straight from {@link OpenClDevice#floats()}.</li>
 * </ol>
 * Follows the open choices documented in {@link io.batchwise.tensor.reference.ReferenceOps}
 * (sizes at least as large as the dimensions need, max-pool argmax −1 for empty windows, bad
 * labels rejected with an {@link IllegalArgumentException}).
 */
public final class OpenClOps implements Ops {
  /**
   * Which im2col kernel {@link #im2col} launches: V1 one element per work-item (2-D range), V2 a
   * column of one channel per work-item, V3 like V2 over a 3-D range without per-element integer
   * division, V4 one element per work-item over a 3-D range, branch-free, V5 eight consecutive
   * columns per work-item with vector loads (stride 1 along x; other strides fall back to V4).
   * The default is the fastest in KernelBench on PoCL. col2im likewise has a vector version for
   * stride 1 ({@link #vectorCol2im}).
   */
  public enum Im2colVersion { V1, V2, V3, V4, V5 }

  /** Plane sizes (h·w, oh·ow) must stay below this for the kernels' float-reciprocal division. */
  static final int MAX_PLANE = 1 << 20;

  private final OpenClDevice device;
  private final com.aparapi.device.OpenCLDevice cl;
  private final float[] f;
  private final double[] d;
  private final int group;
  private final ElementwiseKernels elementwise;
  private final LayoutKernels layout;
  private final PoolingKernels pooling;
  private final ChannelKernels channels;
  private final LossKernels loss;
  private final ClGemm gemm;
  private Im2colVersion im2colVersion = Im2colVersion.V5;
  /** Whether rows of >= 16 elements use the double16 reductions (v2); false forces v1 (tests). */
  private boolean vectorReductions = true;
  private boolean fusedBatchNorm = true;
  /** Whether pooling takes its 2×2 and tiled fast paths; false forces the general kernels (tests). */
  private boolean poolFastPaths = true;
  /** Whether stride-1 col2im takes the vector kernel (v2); false forces the general gather. */
  private boolean vectorCol2im = true;

  OpenClOps(OpenClDevice device, com.aparapi.device.OpenCLDevice cl, ElementwiseKernels elementwise,
      LayoutKernels layout, PoolingKernels pooling, ChannelKernels channels, LossKernels loss,
      ClGemm gemm) {
    this.device = device;
    this.cl = cl;
    this.f = device.floats();
    this.d = device.doubles();
    this.group = (int) Math.max(1, Math.min(256, cl.getMaxWorkGroupSize()));
    this.elementwise = elementwise;
    this.layout = layout;
    this.pooling = pooling;
    this.channels = channels;
    this.loss = loss;
    this.gemm = gemm;
  }

  /** Selects the im2col kernel version (tests and benchmarks compare both). */
  public void im2colVersion(Im2colVersion version) {
    this.im2colVersion = version;
  }

  public Im2colVersion im2colVersion() {
    return im2colVersion;
  }

  /**
   * Selects the channel reductions for rows of at least 16 elements: true (default) the double16
   * v2 kernels, false the scalar v1 kernels. Either is deterministic; they may differ in the last
   * bits (different summation order), so all replicas of a job must use the same setting.
   */
  public void vectorReductions(boolean on) {
    this.vectorReductions = on;
  }

  public boolean vectorReductions() {
    return vectorReductions;
  }

  /** Enables (default) or disables the stride-1 vector col2im. */
  public void vectorCol2im(boolean on) {
    this.vectorCol2im = on;
  }

  /** Enables (default) or disables the pooling fast paths (2×2 vector kernels, tiled backward). */
  public void poolFastPaths(boolean on) {
    this.poolFastPaths = on;
  }

  /** Launches the trivial {@code nop} kernel over n elements at offset 0 (launch-overhead probe). */
  public void nop(int n) {
    if (n < 0 || n > f.length) {
      throw new IllegalArgumentException("nop: n must be in [0, " + f.length + "], got " + n);
    }
    elementwise.nop(range(Math.max(n, 1)), f, n);
  }

  private Range range(long n) {
    if (n > Integer.MAX_VALUE - group) {
      throw new IllegalArgumentException("launch of " + n + " work-items is too large");
    }
    int global = (int) ((n + group - 1) / group * group);
    return cl.createRange(global, group);
  }

  /**
   * A 2-D range (n0 rounded up, n1) with work-groups (l0, 1), l0 the smallest power of two
   * covering n0 up to the group size: dimension 0 is what PoCL vectorizes, dimension 1 indexes
   * planes or rows (uniform inside a work-group).
   */
  private Range range2(int n0, int n1) {
    int l0 = local0(n0);
    return cl.createRange2D(roundUp(n0, l0), n1, l0, 1);
  }

  private Range range3(int n0, int n1, int n2) {
    int l0 = local0(n0);
    return cl.createRange3D(roundUp(n0, l0), n1, n2, l0, 1, 1);
  }

  private int local0(int n0) {
    int l0 = Integer.highestOneBit(Math.max(1, n0 - 1)) << 1;
    return Math.max(1, Math.min(group, n0 <= 1 ? 1 : l0));
  }

  private static int roundUp(int n, int m) {
    long r = ((long) n + m - 1) / m * m;
    if (r > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("launch of " + n + " work-items is too large");
    }
    return (int) r;
  }

  private static void checkPlanes(String op, Window2d g) {
    if ((long) g.h() * g.w() >= MAX_PLANE || (long) g.oh() * g.ow() >= MAX_PLANE
        || (op.equals("im2col") && g.colRows() >= MAX_PLANE)) {
      throw new IllegalArgumentException(op + ": planes of " + g.h() + "x" + g.w()
          + " or " + g.colRows() + " im2col rows are too large for the OpenCL kernels (limit "
          + MAX_PLANE + ")");
    }
  }

  // ---------------------------------------------------------------- memory

  @Override
  public void fill(Tensor x, float value) {
    int xo = floats(device, "fill", "x", x, 0);
    int n = x.size();
    if (n > 0) {
      elementwise.fill(range(n), f, xo, n, value);
    }
  }

  @Override
  public void copy(Tensor src, Tensor dst) {
    int so = floats(device, "copy", "src", src, 0);
    int dO = floats(device, "copy", "dst", dst, 0);
    sameSize("copy", "src", src, "dst", dst);
    int n = src.size();
    if (n > 0 && so != dO) {
      elementwise.copy(range(n), f, so, dO, n);
    }
  }

  // ---------------------------------------------------------------- GEMM

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a,
      int aOffset, Tensor b, int bOffset, float beta, Tensor c, int cOffset) {
    dims("gemm", "m, n, k", m, n, k);
    dims("gemm", "aOffset, bOffset, cOffset", aOffset, bOffset, cOffset);
    int ao = floats(device, "gemm", "a", a, aOffset + (long) m * k);
    int bo = floats(device, "gemm", "b", b, bOffset + (long) k * n);
    int co = floats(device, "gemm", "c", c, cOffset + (long) m * n);
    gemm.gemm(f, transA, transB, m, n, k, alpha, ao + aOffset, bo + bOffset, beta, co + cOffset);
  }

  // ---------------------------------------------------------------- layout

  @Override
  public void nchwToCnhw(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("nchwToCnhw", "n, c, inner", n, c, inner);
    int xo = floats(device, "nchwToCnhw", "x", x, size);
    int yo = floats(device, "nchwToCnhw", "y", y, size);
    if (size > 0) {
      layout.nchw_to_cnhw(range3(inner, c, n), f, xo, yo, n, c, inner);
    }
  }

  @Override
  public void cnhwToNchw(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("cnhwToNchw", "n, c, inner", n, c, inner);
    int xo = floats(device, "cnhwToNchw", "x", x, size);
    int yo = floats(device, "cnhwToNchw", "y", y, size);
    if (size > 0) {
      layout.cnhw_to_nchw(range3(inner, c, n), f, xo, yo, n, c, inner);
    }
  }

  // ---------------------------------------------------------------- convolution

  @Override
  public void im2col(Tensor x, Window2d g, Tensor col) {
    int xo = floats(device, "im2col", "x", x, inputSize(g));
    int co = floats(device, "im2col", "col", col, colSize(g));
    checkPlanes("im2col", g);
    int cols = g.colCols();
    if (cols == 0) {
      return;
    }
    switch (im2colVersion) {
      case V1 -> layout.im2col_v1(range2(cols, g.colRows()), f, xo, co, g.n(), g.c(), g.h(),
          g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
      case V2 -> layout.im2col_v2(range2(cols, g.c()), f, xo, co, g.n(), g.c(), g.h(), g.w(),
          g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
      case V3 -> layout.im2col_v3(range3(g.oh() * g.ow(), g.n(), g.c()), f, xo, co, g.n(), g.c(),
          g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
      case V5 -> {
        int kc = (g.ow() + 7) / 8;
        // v5 splits its dimension-0 index n·oh·kc with fdiv, exact only below MAX_PLANE.
        if (g.sw() == 1 && (long) g.n() * g.oh() * kc < MAX_PLANE) {
          layout.im2col_v5(range2(g.n() * g.oh() * kc, g.colRows()), f, xo, co, g.n(), g.c(),
              g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.ph(), g.pw(), g.oh(), g.ow(), kc);
        } else {
          layout.im2col_v4(range3(g.oh() * g.ow(), g.n(), g.colRows()), f, xo, co, g.n(),
              g.c(), g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.oh(),
              g.ow());
        }
      }
      case V4 -> layout.im2col_v4(range3(g.oh() * g.ow(), g.n(), g.colRows()), f, xo, co, g.n(),
          g.c(), g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
    }
  }

  @Override
  public void col2im(Tensor col, Window2d g, Tensor dx) {
    int co = floats(device, "col2im", "col", col, colSize(g));
    long size = inputSize(g);
    int xo = floats(device, "col2im", "dx", dx, size);
    checkPlanes("col2im", g);
    int kc = (g.w() + 7) / 8;
    if (size > 0 && vectorCol2im && g.sh() == 1 && g.sw() == 1
        && (long) g.n() * g.h() * kc < MAX_PLANE) {
      layout.col2im_v2(range2(g.n() * g.h() * kc, g.c()), f, co, xo, g.n(), g.c(), g.h(), g.w(),
          g.kh(), g.kw(), g.ph(), g.pw(), g.oh(), g.ow(), kc);
    } else if (size > 0) {
      layout.col2im(range3(g.h() * g.w(), g.c(), g.n()), f, co, xo, g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.sh(),
          g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
    }
  }

  // ---------------------------------------------------------------- pooling

  @Override
  public void maxPoolForward(Tensor x, Window2d g, Tensor y, Tensor argmax) {
    int xo = floats(device, "maxPoolForward", "x", x, inputSize(g));
    long out = outputSize(g);
    int yo = floats(device, "maxPoolForward", "y", y, out);
    int ao = floats(device, "maxPoolForward", "argmax", argmax, out);
    checkPlanes("maxPoolForward", g);
    if (out > 0 && is2x2(g)) {
      pooling.max_pool_forward_2x2(range3((g.ow() + 7) / 8, g.oh(), g.n() * g.c()), f, xo, yo, ao,
          g.h(), g.w(), g.oh(), g.ow());
    } else if (out > 0) {
      pooling.max_pool_forward(range2(g.oh() * g.ow(), g.n() * g.c()), f, xo, yo, ao, g.n(), g.c(), g.h(), g.w(), g.kh(),
          g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
    }
  }

  @Override
  public void maxPoolBackward(Tensor dy, Tensor argmax, Window2d g, Tensor dx) {
    long out = outputSize(g);
    int yo = floats(device, "maxPoolBackward", "dy", dy, out);
    int ao = floats(device, "maxPoolBackward", "argmax", argmax, out);
    long size = inputSize(g);
    int xo = floats(device, "maxPoolBackward", "dx", dx, size);
    checkPlanes("maxPoolBackward", g);
    if (size > 0 && is2x2(g)) {
      zeroUncovered(g, xo, size);
      pooling.max_pool_backward_2x2(range3((g.ow() + 7) / 8, g.oh(), g.n() * g.c()), f, yo, ao, xo,
          g.h(), g.w(), g.oh(), g.ow());
    } else if (size > 0 && tiles(g)) {
      zeroUncovered(g, xo, size);
      pooling.max_pool_backward_tiled(range2(g.oh() * g.ow(), g.n() * g.c()), f, yo, ao, xo, g.h(),
          g.w(), g.kh(), g.kw(), g.oh(), g.ow());
    } else if (size > 0) {
      pooling.max_pool_backward(range2(g.h() * g.w(), g.n() * g.c()), f, yo, ao, xo, g.n(), g.c(), g.h(), g.w(), g.kh(),
          g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
    }
  }

  /** LeNet's 2×2 stride-2 unpadded pooling has explicit-vector max-pooling kernels. */
  private boolean is2x2(Window2d g) {
    return poolFastPaths && g.kh() == 2 && g.kw() == 2 && g.sh() == 2 && g.sw() == 2 && g.ph() == 0
        && g.pw() == 0;
  }

  /** Whether the windows tile the input: the backward fast path writes each window once. */
  private boolean tiles(Window2d g) {
    return poolFastPaths && g.sh() == g.kh() && g.sw() == g.kw() && g.ph() == 0 && g.pw() == 0;
  }

  /** Cells past the last full window get no write from the tiled kernels: zero dx first. */
  private void zeroUncovered(Window2d g, int dxOffset, long size) {
    if (g.h() % g.kh() != 0 || g.w() % g.kw() != 0) {
      elementwise.fill(range(size), f, dxOffset, (int) size, 0f);
    }
  }

  @Override
  public void avgPoolForward(Tensor x, Window2d g, Tensor y) {
    int xo = floats(device, "avgPoolForward", "x", x, inputSize(g));
    long out = outputSize(g);
    int yo = floats(device, "avgPoolForward", "y", y, out);
    checkPlanes("avgPoolForward", g);
    if (out > 0) {
      pooling.avg_pool_forward(range2(g.oh() * g.ow(), g.n() * g.c()), f, xo, yo, g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(),
          g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
    }
  }

  @Override
  public void avgPoolBackward(Tensor dy, Window2d g, Tensor dx) {
    int yo = floats(device, "avgPoolBackward", "dy", dy, outputSize(g));
    long size = inputSize(g);
    int xo = floats(device, "avgPoolBackward", "dx", dx, size);
    checkPlanes("avgPoolBackward", g);
    if (size > 0 && tiles(g)) {
      zeroUncovered(g, xo, size);
      pooling.avg_pool_backward_tiled(range2(g.oh() * g.ow(), g.n() * g.c()), f, yo, xo, g.h(),
          g.w(), g.kh(), g.kw(), g.oh(), g.ow());
    } else if (size > 0) {
      pooling.avg_pool_backward(range2(g.h() * g.w(), g.n() * g.c()), f, yo, xo, g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(),
          g.sh(), g.sw(), g.ph(), g.pw(), g.oh(), g.ow());
    }
  }

  @Override
  public void globalAvgPoolForward(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("globalAvgPoolForward", "n, c, inner", n, c, inner);
    requirePositive("globalAvgPoolForward", "inner", inner);
    int xo = floats(device, "globalAvgPoolForward", "x", x, size);
    int yo = floats(device, "globalAvgPoolForward", "y", y, (long) n * c);
    if (n * c > 0) {
      pooling.global_avg_pool_forward(range((long) n * c), f, xo, yo, n * c, inner);
    }
  }

  @Override
  public void globalAvgPoolBackward(Tensor dy, int n, int c, int inner, Tensor dx) {
    long size = dims("globalAvgPoolBackward", "n, c, inner", n, c, inner);
    requirePositive("globalAvgPoolBackward", "inner", inner);
    int yo = floats(device, "globalAvgPoolBackward", "dy", dy, (long) n * c);
    int xo = floats(device, "globalAvgPoolBackward", "dx", dx, size);
    if (size > 0) {
      pooling.global_avg_pool_backward(range2(inner, n * c), f, yo, xo, n * c, inner);
    }
  }

  // ---------------------------------------------------------------- elementwise

  @Override
  public void reluForward(Tensor x, Tensor y) {
    int xo = floats(device, "reluForward", "x", x, 0);
    int yo = floats(device, "reluForward", "y", y, 0);
    sameSize("reluForward", "x", x, "y", y);
    int n = x.size();
    if (n > 0) {
      elementwise.relu_forward(range(n), f, xo, yo, n);
    }
  }

  @Override
  public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
    int yo = floats(device, "reluBackward", "y", y, 0);
    int dyo = floats(device, "reluBackward", "dy", dy, 0);
    int dxo = floats(device, "reluBackward", "dx", dx, 0);
    sameSize("reluBackward", "y", y, "dy", dy);
    sameSize("reluBackward", "dy", dy, "dx", dx);
    int n = y.size();
    if (n > 0) {
      elementwise.relu_backward(range(n), f, yo, dyo, dxo, n);
    }
  }

  @Override
  public void add(Tensor a, Tensor b, Tensor out) {
    int ao = floats(device, "add", "a", a, 0);
    int bo = floats(device, "add", "b", b, 0);
    int oo = floats(device, "add", "out", out, 0);
    sameSize("add", "a", a, "b", b);
    sameSize("add", "a", a, "out", out);
    int n = a.size();
    if (n > 0) {
      elementwise.add(range(n), f, ao, bo, oo, n);
    }
  }

  @Override
  public void axpy(float alpha, Tensor x, Tensor y) {
    int xo = floats(device, "axpy", "x", x, 0);
    int yo = floats(device, "axpy", "y", y, 0);
    sameSize("axpy", "x", x, "y", y);
    int n = x.size();
    if (n > 0) {
      elementwise.axpy(range(n), f, alpha, xo, yo, n);
    }
  }

  @Override
  public void scale(Tensor x, float alpha) {
    int xo = floats(device, "scale", "x", x, 0);
    int n = x.size();
    if (n > 0) {
      elementwise.scale(range(n), f, xo, alpha, n);
    }
  }

  @Override
  public void mul(Tensor a, Tensor b, Tensor out) {
    int ao = floats(device, "mul", "a", a, 0);
    int bo = floats(device, "mul", "b", b, 0);
    int oo = floats(device, "mul", "out", out, 0);
    sameSize("mul", "a", a, "b", b);
    sameSize("mul", "a", a, "out", out);
    int n = a.size();
    if (n > 0) {
      elementwise.mul(range(n), f, ao, bo, oo, n);
    }
  }

  @Override
  public void dropoutMask(long seed, float keep, Tensor mask) {
    keepProbability("dropoutMask", keep);
    int mo = floats(device, "dropoutMask", "mask", mask, 0);
    int n = mask.size();
    if (n > 0) {
      elementwise.dropout_mask(range(n), f, mo, n, (int) seed, (int) (seed >>> 32), keep,
          1f / keep);
    }
  }

  // ---------------------------------------------------------------- channels

  @Override
  public void addChannelBias(Tensor y, int outer, int c, int inner, Tensor bias) {
    long size = dims("addChannelBias", "outer, c, inner", outer, c, inner);
    int yo = floats(device, "addChannelBias", "y", y, size);
    int bo = floats(device, "addChannelBias", "bias", bias, c);
    if (size > 0 && vectorRows(inner)) {
      channels.add_channel_bias_v2(vectorRange(outer, c, inner), f, yo, bo, c, inner);
    } else if (size > 0) {
      ChannelLayout l = new ChannelLayout(outer, c, inner);
      channels.add_channel_bias(l.range(), f, yo, bo, l.n0, l.s1, l.s2, l.c1, l.c0);
    }
  }

  @Override
  public void channelSum(Tensor x, int outer, int c, int inner, float beta, Tensor out) {
    long size = dims("channelSum", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelSum", "x", x, size);
    int oo = floats(device, "channelSum", "out", out, c);
    if (c > 0 && serial(inner)) {
      channels.channel_sum_serial(range(c), f, xo, oo, outer, c, inner, beta);
    } else if (c > 0 && vectorReductions && vectorRows(inner)) {
      channels.channel_sum_v2(reductionRange(c), f, xo, oo, outer, c, inner, beta);
    } else if (c > 0) {
      channels.channel_sum(reductionRange(c), f, xo, oo, outer, c, inner, beta);
    }
  }

  @Override
  public void channelMoments(Tensor x, int outer, int c, int inner, Tensor shift, Tensor out) {
    long size = dims("channelMoments", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelMoments", "x", x, size);
    int so = floats(device, "channelMoments", "shift", shift, c);
    int oo = doubles(device, "channelMoments", "out", out, 2L * c);
    if (c > 0 && serial(inner)) {
      channels.channel_moments_serial(range(c), f, d, xo, so, oo, outer, c, inner);
    } else if (c > 0 && vectorReductions && vectorRows(inner)) {
      channels.channel_moments_v2(reductionRange(c), f, d, xo, so, oo, outer, c, inner);
    } else if (c > 0) {
      channels.channel_moments(reductionRange(c), f, d, xo, so, oo, outer, c, inner);
    }
  }

  @Override
  public void channelGradMoments(Tensor dy, Tensor x, int outer, int c, int inner, Tensor center,
      Tensor out) {
    long size = dims("channelGradMoments", "outer, c, inner", outer, c, inner);
    int dyo = floats(device, "channelGradMoments", "dy", dy, size);
    int xo = floats(device, "channelGradMoments", "x", x, size);
    int co = floats(device, "channelGradMoments", "center", center, c);
    int oo = doubles(device, "channelGradMoments", "out", out, 2L * c);
    if (c > 0 && serial(inner)) {
      channels.channel_grad_moments_serial(range(c), f, d, dyo, xo, co, oo, outer, c, inner);
    } else if (c > 0 && vectorReductions && vectorRows(inner)) {
      channels.channel_grad_moments_v2(reductionRange(c), f, d, dyo, xo, co, oo, outer, c, inner);
    } else if (c > 0) {
      channels.channel_grad_moments(reductionRange(c), f, d, dyo, xo, co, oo, outer, c, inner);
    }
  }

  /**
   * Whether the reductions take the one-item-per-channel kernels. Chosen from the shape alone, so
   * identical inputs always take the same path (and give bit-identical sums).
   */
  private static boolean serial(int inner) {
    return inner < ChannelKernels.SERIAL_BELOW_INNER;
  }

  /** Rows of at least 16 elements take the explicit-float16 channel kernels (the _v2 ones). */
  private static boolean vectorRows(int inner) {
    return inner >= ChannelKernels.VECTOR;
  }

  /** One work-item per 16-element chunk of each (o, ch) row; a whole row per work-group. */
  private Range vectorRange(int outer, int c, int inner) {
    return range3((inner + ChannelKernels.VECTOR - 1) / ChannelKernels.VECTOR, c, outer);
  }

  /**
   * The strided 3-D addressing of the per-element channel kernels (see channels.cl): for
   * inner &gt; 1 the range is (inner, c, outer) and the channel is dimension 1; for inner == 1 it is
   * (c, 1, outer) and the channel is dimension 0. No kernel divides.
   */
  private final class ChannelLayout {
    final int n0;
    final int n1;
    final int n2;
    final int s1;
    final int s2;
    final int c1;
    final int c0;

    ChannelLayout(int outer, int c, int inner) {
      n2 = outer;
      if (inner == 1) {
        n0 = c;
        n1 = 1;
        s1 = 0;
        s2 = c;
        c1 = 0;
        c0 = 1;
      } else {
        n0 = inner;
        n1 = c;
        s1 = inner;
        s2 = c * inner;
        c1 = 1;
        c0 = 0;
      }
    }

    Range range() {
      return range3(n0, n1, n2);
    }
  }

  /** Exactly c work-groups of the fixed reduction size: the determinism invariant of channels.cl. */
  private Range reductionRange(int c) {
    int wg = ChannelKernels.REDUCTION_GROUP;
    if ((long) c * wg > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many channels for one launch: " + c);
    }
    return cl.createRange(c * wg, wg);
  }

  @Override
  public void channelAffine(Tensor x, int outer, int c, int inner, Tensor a, Tensor b, Tensor y) {
    long size = dims("channelAffine", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelAffine", "x", x, size);
    int ao = floats(device, "channelAffine", "a", a, c);
    int bo = floats(device, "channelAffine", "b", b, c);
    int yo = floats(device, "channelAffine", "y", y, size);
    if (size > 0 && vectorRows(inner)) {
      channels.channel_affine_v2(vectorRange(outer, c, inner), f, xo, ao, bo, yo, c, inner);
    } else if (size > 0) {
      ChannelLayout l = new ChannelLayout(outer, c, inner);
      channels.channel_affine(l.range(), f, xo, ao, bo, yo, l.n0, l.s1, l.s2, l.c1, l.c0);
    }
  }

  @Override
  public void channelAffine2(Tensor dy, Tensor x, int outer, int c, int inner, Tensor a, Tensor b,
      Tensor dd, Tensor dx) {
    long size = dims("channelAffine2", "outer, c, inner", outer, c, inner);
    int dyo = floats(device, "channelAffine2", "dy", dy, size);
    int xo = floats(device, "channelAffine2", "x", x, size);
    int ao = floats(device, "channelAffine2", "a", a, c);
    int bo = floats(device, "channelAffine2", "b", b, c);
    int doff = floats(device, "channelAffine2", "d", dd, c);
    int dxo = floats(device, "channelAffine2", "dx", dx, size);
    if (size > 0 && vectorRows(inner)) {
      channels.channel_affine2_v2(vectorRange(outer, c, inner), f, dyo, xo, ao, bo, doff, dxo, c,
          inner);
    } else if (size > 0) {
      ChannelLayout l = new ChannelLayout(outer, c, inner);
      channels.channel_affine2(l.range(), f, dyo, xo, ao, bo, doff, dxo, l.n0, l.s1, l.s2,
          l.c1, l.c0);
    }
  }

  /**
   * One launch where the v2 reductions apply (inner &gt;= 16): the permute and the sums in one pass
   * over the activation, bit-identical to the composition (channels.cl, invariant 5); otherwise the
   * composition.
   */
  @Override
  public void cnhwToNchwMoments(Tensor x, int n, int c, int inner, Tensor shift, Tensor y, Tensor out) {
    if (!(vectorReductions && vectorRows(inner))) {
      Ops.super.cnhwToNchwMoments(x, n, c, inner, shift, y, out);
      return;
    }
    long size = dims("cnhwToNchwMoments", "n, c, inner", n, c, inner);
    int xo = floats(device, "cnhwToNchwMoments", "x", x, size);
    int so = floats(device, "cnhwToNchwMoments", "shift", shift, c);
    int yo = floats(device, "cnhwToNchwMoments", "y", y, size);
    int oo = doubles(device, "cnhwToNchwMoments", "out", out, 2L * c);
    if (c > 0) {
      channels.cnhw_to_nchw_moments_v2(reductionRange(c), f, d, xo, so, yo, oo, n, c, inner);
    }
  }

  /** One launch for inner &gt;= 16 (channels.cl, invariant 6); otherwise the composition. */
  @Override
  public void nchwToCnhwAffine2(Tensor dy, Tensor x, int n, int c, int inner, Tensor a, Tensor b,
      Tensor dd, Tensor out) {
    if (!vectorRows(inner)) {
      Ops.super.nchwToCnhwAffine2(dy, x, n, c, inner, a, b, dd, out);
      return;
    }
    long size = dims("nchwToCnhwAffine2", "n, c, inner", n, c, inner);
    int dyo = floats(device, "nchwToCnhwAffine2", "dy", dy, size);
    int xo = floats(device, "nchwToCnhwAffine2", "x", x, size);
    int ao = floats(device, "nchwToCnhwAffine2", "a", a, c);
    int bo = floats(device, "nchwToCnhwAffine2", "b", b, c);
    int doff = floats(device, "nchwToCnhwAffine2", "d", dd, c);
    int oo = floats(device, "nchwToCnhwAffine2", "out", out, size);
    if (size > 0) {
      channels.nchw_to_cnhw_affine2_v2(vectorRange(n, c, inner), f, dyo, xo, ao, bo, doff, oo, n,
          c, inner);
    }
  }

  /**
   * One launch (v2: one work-group per channel, the channel's second pass served from cache;
   * serial below 16 values per row) instead of the default's two launches and host round trip;
   * bit-identical to it (channels.cl, invariant 4). {@link #fusedBatchNorm(boolean)} switches back
   * to the composition, for benchmarks.
   */
  @Override
  public void batchNormTrainForward(Tensor x, int outer, int c, int inner, Tensor gamma, Tensor beta,
      double eps, double w, double bessel, Tensor runningMean, Tensor runningVar, Tensor center,
      Tensor invstd, Tensor y) {
    if (!fusedBatchNormFor(inner)) {
      Ops.super.batchNormTrainForward(x, outer, c, inner, gamma, beta, eps, w, bessel, runningMean,
          runningVar, center, invstd, y);
      return;
    }
    String op = "batchNormTrainForward";
    long size = dims(op, "outer, c, inner", outer, c, inner);
    int xo = floats(device, op, "x", x, size);
    int go = floats(device, op, "gamma", gamma, c);
    int bo = floats(device, op, "beta", beta, c);
    int rmo = floats(device, op, "runningMean", runningMean, c);
    int rvo = floats(device, op, "runningVar", runningVar, c);
    int co = floats(device, op, "center", center, c);
    int io = doubles(device, op, "invstd", invstd, c);
    int yo = floats(device, op, "y", y, size);
    if (size == 0) {
      return;
    }
    if (size == c) {
      throw new IllegalArgumentException(op + ": one value per channel; the batch variance is undefined");
    }
    if (vectorRows(inner)) {
      channels.bn_train_forward_v2(reductionRange(c), f, d, xo, go, bo, eps, w, bessel, rmo, rvo, co,
          io, yo, outer, c, inner);
    } else {
      channels.bn_train_forward_serial(range(c), f, d, xo, go, bo, eps, w, bessel, rmo, rvo, co, io,
          yo, outer, c, inner);
    }
  }

  @Override
  public void batchNormTrainBackward(Tensor dy, Tensor x, int outer, int c, int inner, Tensor gamma,
      Tensor center, Tensor invstd, Tensor dgamma, Tensor dbeta, Tensor dx) {
    if (!fusedBatchNormFor(inner)) {
      Ops.super.batchNormTrainBackward(dy, x, outer, c, inner, gamma, center, invstd, dgamma, dbeta,
          dx);
      return;
    }
    String op = "batchNormTrainBackward";
    long size = dims(op, "outer, c, inner", outer, c, inner);
    int dyo = floats(device, op, "dy", dy, size);
    int xo = floats(device, op, "x", x, size);
    int go = floats(device, op, "gamma", gamma, c);
    int co = floats(device, op, "center", center, c);
    int io = doubles(device, op, "invstd", invstd, c);
    int dgo = floats(device, op, "dgamma", dgamma, c);
    int dbo = floats(device, op, "dbeta", dbeta, c);
    int dxo = floats(device, op, "dx", dx, size);
    if (c == 0) {
      return;
    }
    if (vectorRows(inner)) {
      channels.bn_train_backward_v2(reductionRange(c), f, d, dyo, xo, go, co, io, dgo, dbo, dxo,
          outer, c, inner);
    } else {
      channels.bn_train_backward_serial(range(c), f, d, dyo, xo, go, co, io, dgo, dbo, dxo, outer, c,
          inner);
    }
  }

  /** Whether the BatchNorm methods run their one-launch kernels (default) or the composition. */
  public void fusedBatchNorm(boolean fused) {
    this.fusedBatchNorm = fused;
  }

  /** The fused kernels sum like the v2 reductions; with those switched off, the composition runs. */
  private boolean fusedBatchNormFor(int inner) {
    return fusedBatchNorm && (vectorReductions || !vectorRows(inner));
  }

  // ---------------------------------------------------------------- loss

  @Override
  public void softmaxCrossEntropyForward(Tensor logits, Tensor labels, int n, int k, Tensor prob,
      Tensor lossOut) {
    long size = dims("softmaxCrossEntropyForward", "n, k", n, k);
    requirePositive("softmaxCrossEntropyForward", "k", k);
    int lo = floats(device, "softmaxCrossEntropyForward", "logits", logits, size);
    int lab = floats(device, "softmaxCrossEntropyForward", "labels", labels, n);
    int po = floats(device, "softmaxCrossEntropyForward", "prob", prob, size);
    int so = floats(device, "softmaxCrossEntropyForward", "loss", lossOut, n);
    checkLabels("softmaxCrossEntropyForward", lab, n, k);
    if (n > 0) {
      loss.softmax_xent_forward(range(n), f, lo, lab, po, so, n, k);
    }
  }

  @Override
  public void softmaxCrossEntropyBackward(Tensor prob, Tensor labels, int n, int k, float scale,
      Tensor dlogits) {
    long size = dims("softmaxCrossEntropyBackward", "n, k", n, k);
    requirePositive("softmaxCrossEntropyBackward", "k", k);
    int po = floats(device, "softmaxCrossEntropyBackward", "prob", prob, size);
    int lab = floats(device, "softmaxCrossEntropyBackward", "labels", labels, n);
    int go = floats(device, "softmaxCrossEntropyBackward", "dlogits", dlogits, size);
    checkLabels("softmaxCrossEntropyBackward", lab, n, k);
    if (size > 0) {
      loss.softmax_xent_backward(range(size), f, po, lab, go, n, k, scale);
    }
  }

  /**
   * Labels are checked on the host: launches are synchronous and the arena array holds the
   * current values, so reading n floats costs nothing next to a launch.
   */
  private void checkLabels(String op, int offset, int n, int k) {
    for (int i = 0; i < n; i++) {
      label(op, i, f[offset + i], k);
    }
  }

  // ---------------------------------------------------------------- optimizer

  @Override
  public void sgdMomentum(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay,
      boolean nesterov) {
    int wo = floats(device, "sgdMomentum", "w", w, 0);
    int go = floats(device, "sgdMomentum", "g", g, 0);
    int vo = floats(device, "sgdMomentum", "v", v, 0);
    sameSize("sgdMomentum", "w", w, "g", g);
    sameSize("sgdMomentum", "w", w, "v", v);
    int n = w.size();
    if (n > 0) {
      loss.sgd_momentum(range(n), f, wo, go, vo, n, lr, momentum, weightDecay, nesterov ? 1 : 0);
    }
  }

  private static void requirePositive(String op, String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(op + ": " + name + " must be positive, got " + value);
    }
  }
}

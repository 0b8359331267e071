package io.batchwise.tensor.opencl;

import com.aparapi.Range;
import com.aparapi.opencl.OpenCL;
import com.aparapi.opencl.OpenCL.Arg;
import com.aparapi.opencl.OpenCL.GlobalReadWrite;

/**
 * Per-channel kernels of {@code channels.cl} over [outer][c][inner] views. {@code F} is the FLOAT
 * arena, {@code D} the DOUBLE arena. The three reductions must be launched as exactly {@code c}
 * work-groups of {@link #REDUCTION_GROUP} work-items (one group per channel, fixed tree order).
 */
@OpenCL.Resource("io/batchwise/tensor/opencl/channels.cl")
public interface ChannelKernels extends OpenCL<ChannelKernels> {
  /** Work-group size of the reductions; must equal {@code RWG} in channels.cl. */
  int REDUCTION_GROUP = 64;
  /** Below this inner size the reductions run the {@code *_serial} kernels (one item per channel). */
  int SERIAL_BELOW_INNER = 16;

  ChannelKernels channel_sum(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner,
      @Arg("beta") float beta);

  ChannelKernels channel_moments(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("x") int x, @Arg("shift") int shift,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  ChannelKernels channel_grad_moments(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("dy") int dy, @Arg("x") int x,
      @Arg("center") int center, @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c,
      @Arg("inner") int inner);

  /** One work-item per channel, serial fixed-order sums: for small inner (e.g. dense [N, C]). */
  ChannelKernels channel_sum_serial(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner,
      @Arg("beta") float beta);

  ChannelKernels channel_moments_serial(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("x") int x, @Arg("shift") int shift,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  ChannelKernels channel_grad_moments_serial(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("dy") int dy, @Arg("x") int x,
      @Arg("center") int center, @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c,
      @Arg("inner") int inner);

  // The per-element kernels take the strided addressing of channels.cl: over a 3-D range
  // (i < n0, j, o), element o·s2 + j·s1 + i of channel j·c1 + i·c0.

  ChannelKernels add_channel_bias(Range r, @GlobalReadWrite("F") float[] f, @Arg("y") int y,
      @Arg("bias") int bias, @Arg("n0") int n0, @Arg("s1") int s1, @Arg("s2") int s2,
      @Arg("c1") int c1, @Arg("c0") int c0);

  ChannelKernels channel_affine(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("a") int a, @Arg("b") int b, @Arg("y") int y, @Arg("n0") int n0, @Arg("s1") int s1,
      @Arg("s2") int s2, @Arg("c1") int c1, @Arg("c0") int c0);

  ChannelKernels channel_affine2(Range r, @GlobalReadWrite("F") float[] f, @Arg("dy") int dy,
      @Arg("x") int x, @Arg("a") int a, @Arg("b") int b, @Arg("d") int d, @Arg("dx") int dx,
      @Arg("n0") int n0, @Arg("s1") int s1, @Arg("s2") int s2, @Arg("c1") int c1,
      @Arg("c0") int c0);

  /** Explicit-float16 versions for inner &gt;= {@link #VECTOR}: 3-D range (⌈inner/16⌉, c, outer). */
  int VECTOR = 16;

  ChannelKernels add_channel_bias_v2(Range r, @GlobalReadWrite("F") float[] f, @Arg("y") int y,
      @Arg("bias") int bias, @Arg("c") int c, @Arg("inner") int inner);

  ChannelKernels channel_affine_v2(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("a") int a, @Arg("b") int b, @Arg("y") int y, @Arg("c") int c,
      @Arg("inner") int inner);

  ChannelKernels channel_affine2_v2(Range r, @GlobalReadWrite("F") float[] f, @Arg("dy") int dy,
      @Arg("x") int x, @Arg("a") int a, @Arg("b") int b, @Arg("d") int d, @Arg("dx") int dx,
      @Arg("c") int c, @Arg("inner") int inner);

  /** Reductions with explicit double16 accumulators for inner &gt;= {@link #VECTOR}; same launch. */
  ChannelKernels channel_sum_v2(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner,
      @Arg("beta") float beta);

  ChannelKernels channel_moments_v2(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("x") int x, @Arg("shift") int shift,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  ChannelKernels channel_grad_moments_v2(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("dy") int dy, @Arg("x") int x,
      @Arg("center") int center, @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c,
      @Arg("inner") int inner);

  /**
   * The layout permute CNHW to NCHW with the shifted moments of its output (channels.cl, invariant
   * 5): exactly c work-groups of {@link #REDUCTION_GROUP}, inner &gt;= {@link #VECTOR}.
   */
  ChannelKernels cnhw_to_nchw_moments_v2(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("x") int x, @Arg("shift") int shift, @Arg("y") int y,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  /** {@code channel_affine2_v2} writing CNHW (invariant 6); its 3-D range, inner &gt;= 16. */
  ChannelKernels nchw_to_cnhw_affine2_v2(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("dy") int dy, @Arg("x") int x, @Arg("a") int a, @Arg("b") int b, @Arg("d") int d,
      @Arg("out") int out, @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  // Training-mode BatchNorm with local statistics in one launch (see channels.cl, invariant 4): the
  // _v2 kernels run as exactly c work-groups of REDUCTION_GROUP (inner >= VECTOR), the _serial
  // ones one work-item per channel (inner < VECTOR).

  ChannelKernels bn_train_forward_v2(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("x") int x, @Arg("gamma") int gamma,
      @Arg("beta") int beta, @Arg("eps") double eps, @Arg("w") double w,
      @Arg("bessel") double bessel, @Arg("rm") int rm, @Arg("rv") int rv,
      @Arg("center") int center, @Arg("invstd") int invstd, @Arg("y") int y,
      @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  ChannelKernels bn_train_forward_serial(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("x") int x, @Arg("gamma") int gamma,
      @Arg("beta") int beta, @Arg("eps") double eps, @Arg("w") double w,
      @Arg("bessel") double bessel, @Arg("rm") int rm, @Arg("rv") int rv,
      @Arg("center") int center, @Arg("invstd") int invstd, @Arg("y") int y,
      @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  ChannelKernels bn_train_backward_v2(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("dy") int dy, @Arg("x") int x,
      @Arg("gamma") int gamma, @Arg("center") int center, @Arg("invstd") int invstd,
      @Arg("dgamma") int dgamma, @Arg("dbeta") int dbeta, @Arg("dx") int dx,
      @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);

  ChannelKernels bn_train_backward_serial(Range r, @GlobalReadWrite("F") float[] f,
      @GlobalReadWrite("D") double[] d, @Arg("dy") int dy, @Arg("x") int x,
      @Arg("gamma") int gamma, @Arg("center") int center, @Arg("invstd") int invstd,
      @Arg("dgamma") int dgamma, @Arg("dbeta") int dbeta, @Arg("dx") int dx,
      @Arg("outer") int outer, @Arg("c") int c, @Arg("inner") int inner);
}

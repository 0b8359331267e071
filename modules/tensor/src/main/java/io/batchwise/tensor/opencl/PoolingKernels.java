package io.batchwise.tensor.opencl;

import com.aparapi.Range;
import com.aparapi.opencl.OpenCL;
import com.aparapi.opencl.OpenCL.Arg;
import com.aparapi.opencl.OpenCL.GlobalReadWrite;

/**
 * Pooling kernels of {@code pooling.cl}; {@code F} is the FLOAT arena. Forward kernels and the
 * tiled backward kernels run over 2-D ranges (cells of an output plane, n·c planes); the general
 * backward gathers run over (cells of an input plane, n·c planes).
 */
@OpenCL.Resource("io/batchwise/tensor/opencl/pooling.cl")
public interface PoolingKernels extends OpenCL<PoolingKernels> {

  PoolingKernels max_pool_forward(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("y") int y, @Arg("argmax") int argmax, @Arg("n") int n, @Arg("c") int c,
      @Arg("h") int h, @Arg("w") int w, @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh,
      @Arg("sw") int sw, @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh,
      @Arg("ow") int ow);

  PoolingKernels max_pool_backward(Range r, @GlobalReadWrite("F") float[] f, @Arg("dy") int dy,
      @Arg("argmax") int argmax, @Arg("dx") int dx, @Arg("n") int n, @Arg("c") int c,
      @Arg("h") int h, @Arg("w") int w, @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh,
      @Arg("sw") int sw, @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh,
      @Arg("ow") int ow);

  PoolingKernels avg_pool_forward(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("y") int y, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("sw") int sw,
      @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow);

  PoolingKernels avg_pool_backward(Range r, @GlobalReadWrite("F") float[] f, @Arg("dy") int dy,
      @Arg("dx") int dx, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("sw") int sw,
      @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow);

  PoolingKernels global_avg_pool_forward(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("x") int x, @Arg("y") int y, @Arg("planes") int planes, @Arg("inner") int inner);

  PoolingKernels global_avg_pool_backward(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("dy") int dy, @Arg("dx") int dx, @Arg("planes") int planes, @Arg("inner") int inner);

  /** Fast path for windows that tile the input (stride = kernel, no padding); 2-D range (oh·ow, n·c). */
  PoolingKernels max_pool_backward_tiled(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("dy") int dy, @Arg("argmax") int argmax, @Arg("dx") int dx, @Arg("h") int h,
      @Arg("w") int w, @Arg("kh") int kh, @Arg("kw") int kw, @Arg("oh") int oh, @Arg("ow") int ow);

  PoolingKernels avg_pool_backward_tiled(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("dy") int dy, @Arg("dx") int dx, @Arg("h") int h, @Arg("w") int w, @Arg("kh") int kh,
      @Arg("kw") int kw, @Arg("oh") int oh, @Arg("ow") int ow);

  /** 2×2 stride-2 unpadded max pooling, 8 outputs per work-item: 3-D range (⌈ow/8⌉, oh, n·c). */
  PoolingKernels max_pool_forward_2x2(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("y") int y, @Arg("argmax") int argmax, @Arg("h") int h, @Arg("w") int w,
      @Arg("oh") int oh, @Arg("ow") int ow);

  PoolingKernels max_pool_backward_2x2(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("dy") int dy, @Arg("argmax") int argmax, @Arg("dx") int dx, @Arg("h") int h,
      @Arg("w") int w, @Arg("oh") int oh, @Arg("ow") int ow);
}

package io.batchwise.tensor.opencl;

import com.aparapi.Range;
import com.aparapi.opencl.OpenCL;
import com.aparapi.opencl.OpenCL.Arg;
import com.aparapi.opencl.OpenCL.GlobalReadWrite;

/**
 * Layout permutes (3-D ranges: inner, c, n), im2col (five versions), col2im (two) and col2im of {@code layout.cl}. {@code F} is the FLOAT
 * arena; the window parameters are those of {@link io.batchwise.tensor.Window2d} with its derived
 * {@code oh, ow}.
 */
@OpenCL.Resource("io/batchwise/tensor/opencl/layout.cl")
public interface LayoutKernels extends OpenCL<LayoutKernels> {

  LayoutKernels nchw_to_cnhw(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("y") int y, @Arg("n") int n, @Arg("c") int c, @Arg("inner") int inner);

  LayoutKernels cnhw_to_nchw(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("y") int y, @Arg("n") int n, @Arg("c") int c, @Arg("inner") int inner);

  /** 2-D range: (columns n·oh·ow, rows c·kh·kw), one element per work-item. */
  LayoutKernels im2col_v1(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("col") int col, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("sw") int sw,
      @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow);

  /** 2-D range: (columns n·oh·ow, channels c), kh·kw elements per work-item. */
  LayoutKernels im2col_v2(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("col") int col, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("sw") int sw,
      @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow);

  /** 3-D range: (oh·ow, n, c), kh·kw elements per work-item, no per-element integer division. */
  LayoutKernels im2col_v3(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("col") int col, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("sw") int sw,
      @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow);

  /** 3-D range: (oh·ow, n, c·kh·kw), one element per work-item, branch-free. */
  LayoutKernels im2col_v4(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("col") int col, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("sw") int sw,
      @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow);

  /** 3-D range (h·w, c, n) over the cells of dx (a gather, no atomics). */
  LayoutKernels col2im(Range r, @GlobalReadWrite("F") float[] f, @Arg("col") int col,
      @Arg("dx") int dx, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("sw") int sw,
      @Arg("ph") int ph, @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow);

  /** Stride-1-along-x im2col, 8 columns per work-item: 2-D range (n·oh·⌈ow/8⌉, c·kh·kw). */
  LayoutKernels im2col_v5(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("col") int col, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("sh") int sh, @Arg("ph") int ph,
      @Arg("pw") int pw, @Arg("oh") int oh, @Arg("ow") int ow, @Arg("kc") int kc);

  /** Stride-1 col2im, 8 cells per work-item: 2-D range (n·h·⌈w/8⌉, c). */
  LayoutKernels col2im_v2(Range r, @GlobalReadWrite("F") float[] f, @Arg("col") int col,
      @Arg("dx") int dx, @Arg("n") int n, @Arg("c") int c, @Arg("h") int h, @Arg("w") int w,
      @Arg("kh") int kh, @Arg("kw") int kw, @Arg("ph") int ph, @Arg("pw") int pw,
      @Arg("oh") int oh, @Arg("ow") int ow, @Arg("kc") int kc);
}

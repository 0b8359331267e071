package io.batchwise.tensor.opencl;

import com.aparapi.Range;
import com.aparapi.opencl.OpenCL;
import com.aparapi.opencl.OpenCL.Arg;
import com.aparapi.opencl.OpenCL.GlobalReadWrite;

/**
 * Memory and elementwise kernels of {@code elementwise.cl}, bound through Aparapi. Method name =
 * kernel name, parameter order = kernel parameter order; {@code F} is always the device's FLOAT
 * arena, every other int is an element offset or a count. One element per work-item.
 */
@OpenCL.Resource("io/batchwise/tensor/opencl/elementwise.cl")
public interface ElementwiseKernels extends OpenCL<ElementwiseKernels> {

  /** Reads and writes back F[0..n): the cheapest real launch, for measuring launch overhead. */
  ElementwiseKernels nop(Range r, @GlobalReadWrite("F") float[] f, @Arg("n") int n);

  ElementwiseKernels fill(Range r, @GlobalReadWrite("F") float[] f, @Arg("off") int off,
      @Arg("n") int n, @Arg("value") float value);

  ElementwiseKernels copy(Range r, @GlobalReadWrite("F") float[] f, @Arg("src") int src,
      @Arg("dst") int dst, @Arg("n") int n);

  ElementwiseKernels relu_forward(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("y") int y, @Arg("n") int n);

  ElementwiseKernels relu_backward(Range r, @GlobalReadWrite("F") float[] f, @Arg("y") int y,
      @Arg("dy") int dy, @Arg("dx") int dx, @Arg("n") int n);

  ElementwiseKernels add(Range r, @GlobalReadWrite("F") float[] f, @Arg("a") int a,
      @Arg("b") int b, @Arg("out") int out, @Arg("n") int n);

  ElementwiseKernels axpy(Range r, @GlobalReadWrite("F") float[] f, @Arg("alpha") float alpha,
      @Arg("x") int x, @Arg("y") int y, @Arg("n") int n);

  ElementwiseKernels scale(Range r, @GlobalReadWrite("F") float[] f, @Arg("x") int x,
      @Arg("alpha") float alpha, @Arg("n") int n);

  ElementwiseKernels mul(Range r, @GlobalReadWrite("F") float[] f, @Arg("a") int a,
      @Arg("b") int b, @Arg("out") int out, @Arg("n") int n);

  /** The seed travels as two ints (low and high word) because the hash consumes it that way. */
  ElementwiseKernels dropout_mask(Range r, @GlobalReadWrite("F") float[] f, @Arg("mask") int mask,
      @Arg("n") int n, @Arg("seedLo") int seedLo, @Arg("seedHi") int seedHi,
      @Arg("keep") float keep, @Arg("kept") float kept);
}

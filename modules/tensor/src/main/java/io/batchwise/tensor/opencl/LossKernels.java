package io.batchwise.tensor.opencl;

import com.aparapi.Range;
import com.aparapi.opencl.OpenCL;
import com.aparapi.opencl.OpenCL.Arg;
import com.aparapi.opencl.OpenCL.GlobalReadWrite;

/** Softmax cross-entropy and SGD kernels of {@code loss.cl}; {@code F} is the FLOAT arena. */
@OpenCL.Resource("io/batchwise/tensor/opencl/loss.cl")
public interface LossKernels extends OpenCL<LossKernels> {

  /** One work-item per row. */
  LossKernels softmax_xent_forward(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("logits") int logits, @Arg("labels") int labels, @Arg("prob") int prob,
      @Arg("loss") int loss, @Arg("n") int n, @Arg("k") int k);

  /** One work-item per element of dlogits. */
  LossKernels softmax_xent_backward(Range r, @GlobalReadWrite("F") float[] f,
      @Arg("prob") int prob, @Arg("labels") int labels, @Arg("dlogits") int dlogits,
      @Arg("n") int n, @Arg("k") int k, @Arg("scale") float scale);

  /** {@code nesterov} is 0 or 1 (Aparapi passes no booleans). */
  LossKernels sgd_momentum(Range r, @GlobalReadWrite("F") float[] f, @Arg("w") int w,
      @Arg("g") int g, @Arg("v") int v, @Arg("n") int n, @Arg("lr") float lr,
      @Arg("mu") float mu, @Arg("wd") float wd, @Arg("nesterov") int nesterov);
}

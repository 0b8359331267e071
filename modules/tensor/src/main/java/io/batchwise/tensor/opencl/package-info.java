/**
 * The OpenCL device: kernels written in OpenCL C (resources {@code *.cl} next to these classes, one
 * file per family: elementwise, layout and im2col, pooling, channels and reductions, loss and
 * optimizer; GEMM in its own files), bound through Aparapi's {@code com.aparapi.opencl.OpenCL}
 * interfaces and launched by {@link io.batchwise.tensor.opencl.OpenClOps}.
 *
 * <p>Conventions of every kernel here:
 * <ol>
 *   <li>The first argument is the device's FLOAT arena {@code __global float* F}; the double sums
 *       take the DOUBLE arena {@code __global double* D}. Tensors are element offsets into them.
 *       The Java side always passes the same two arrays (Aparapi leaks a pin when the array of an
 *       argument changes).</li>
 *   <li>Java arrays are not 64-byte aligned in absolute terms: kernels use {@code vloadN/vstoreN},
 *       never a cast of {@code float*} to {@code floatN*}.</li>
 *   <li>Global sizes are rounded up to the work-group size; kernels bounds-check their index.</li>
 *   <li>Backward passes of pooling and col2im are gathers (one work-item per input cell), so no
 *       atomics are needed and results are deterministic.</li>
 *   <li>Per-channel reductions accumulate in double in a fixed order (one work-group per channel,
 *       a fixed tree): identical inputs give bit-identical sums.</li>
 *   <li>OpenCL C reserves {@code half} (and the vector type names) as identifiers.</li>
 * </ol>
 */
package io.batchwise.tensor.opencl;

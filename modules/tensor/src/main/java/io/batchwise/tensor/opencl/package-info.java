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
 *
 * <p>What PoCL (3.1, CPU) rewards, measured with {@link io.batchwise.tensor.bench.KernelBench}:
 * <ol>
 *   <li>PoCL vectorizes the loop over dimension 0 of a work-group. Integer division or remainder
 *       in a work-item runs scalar, even with operands uniform across the work-group: index
 *       splits therefore come from 2-D/3-D ranges or from a float-reciprocal division that is
 *       exact for indices below 2<sup>20</sup> ({@code fdiv} in the .cl files).</li>
 *   <li>A load from the arena at a per-channel (uniform) address defeats that vectorizer (it
 *       cannot prove the load independent of the stores through the same pointer): kernels that
 *       read per-channel parameters or accumulate rows use explicit {@code float16}/
 *       {@code double16} chunks instead (3–4× faster).</li>
 *   <li>A launch costs about 40–60 µs whatever the arena size, so tiny kernels (softmax over a
 *       64×10 batch) are launch-bound.</li>
 * </ol>
 * Alternatives stay as numbered versions (im2col v1–v5, col2im v1–v2, channel kernels v1–v2,
 * general and 2×2 max pooling), all tested; the fastest measured is the default.
 */
package io.batchwise.tensor.opencl;

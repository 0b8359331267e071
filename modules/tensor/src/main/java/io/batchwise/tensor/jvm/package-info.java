/**
 * The plain-Java fallback device for machines without OpenCL: {@link io.batchwise.tensor.jvm.JavaDevice}
 * runs float kernels over its arenas on a fixed pool of daemon threads (a cache-blocked,
 * multithreaded GEMM; im2col, pooling and channel reductions split over channels or planes;
 * reductions accumulated in double).
 */
package io.batchwise.tensor.jvm;

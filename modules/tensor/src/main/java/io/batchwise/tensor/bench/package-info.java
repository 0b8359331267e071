/**
 * Benchmark mains that print tables: {@link io.batchwise.tensor.bench.GemmBench} (GFLOP/s of every
 * GEMM version) and {@link io.batchwise.tensor.bench.KernelBench} (launch overhead and the other
 * kernels at LeNet-BN shapes, OpenCL next to plain Java). Timings live here, never in unit tests;
 * run them with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} and compare ratios within one run.
 */
package io.batchwise.tensor.bench;

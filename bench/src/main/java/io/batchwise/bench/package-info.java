/**
 * Benchmark runners that need dependencies the product must not carry (the Deeplearning4j
 * baseline above all). Built only with the root POM's {@code bench} profile.
 *
 * <p>Conventions: every throughput figure is the median over several timed rounds taken after a
 * warm-up (first calls compile kernels: PoCL, JIT, nd4j workspaces); images per second count
 * training images through forward, backward and the optimizer step.
 */
package io.batchwise.bench;

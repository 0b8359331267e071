/**
 * Benchmark mains of the nn module: {@link io.batchwise.nn.bench.NormShareBench} (the share of a
 * training step spent in normalization layers). They print tables; they are not tests.
 */
package io.batchwise.nn.bench;

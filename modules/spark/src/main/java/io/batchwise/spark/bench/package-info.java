/**
 * Benchmarks of the collective against Spark alone: {@link
 * io.batchwise.spark.bench.SparkCollectiveBaseline} (allGather and treeAggregate on an embedded
 * local master, as a user without Batchwise's collective would do them) and {@link
 * io.batchwise.spark.bench.CollectiveBenchRun} (one run of {@code ./batchwise bench collective}:
 * Batchwise's all-reduce latency and bus bandwidth, one Netty round trip, the Spark baselines,
 * the ratios and the targets; writes bench/results/collective.json).
 *
 * <p>Conventions: latencies in microseconds (p50 = median, p99 = 99th percentile of per-call
 * times on rank 0); bus bandwidth in GB/s (10^9 bytes per second) = 2(n-1)/n * bytes / median time,
 * the NCCL convention; every process runs on 127.0.0.1 of one machine, so ranks share its cores.
 */
package io.batchwise.spark.bench;

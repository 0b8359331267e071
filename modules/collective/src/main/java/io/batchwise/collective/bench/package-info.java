/**
 * {@link io.batchwise.collective.bench.CollectiveBench}: latency, bus bandwidth and the
 * recursive-doubling/ring switch point, measured with one JVM per rank on 127.0.0.1.
 */
package io.batchwise.collective.bench;

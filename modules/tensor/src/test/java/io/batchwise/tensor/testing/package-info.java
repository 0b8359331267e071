/**
 * Test fixtures shipped in the tensor test-jar for every module's tests: seeded random tensors
 * ({@link io.batchwise.tensor.testing.RandomTensors}), closeness assertions with a combined
 * absolute/relative tolerance ({@link io.batchwise.tensor.testing.TensorAssert}), and the kernel
 * conformance suite ({@link io.batchwise.tensor.testing.OpsConformanceTest}) a device's test extends.
 */
package io.batchwise.tensor.testing;

/**
 * Tensors, devices and the kernel contract.
 *
 * <p>A {@link io.batchwise.tensor.Device} owns one memory arena per {@link io.batchwise.tensor.DType}
 * (managed by an {@link io.batchwise.tensor.ArenaAllocator}); a {@link io.batchwise.tensor.Tensor} is a
 * handle (device, dtype, arena offset, shape) into it. {@link io.batchwise.tensor.Ops} is the kernel
 * set every device implements; its Javadoc is the contract, and
 * {@link io.batchwise.tensor.reference.ReferenceOps} is its executable definition in double precision.
 * {@link io.batchwise.tensor.DropoutHash} is the one random function shared by every device.
 *
 * <p>Conventions: dense row-major tensors, NCHW activations, per-channel sums in double, class
 * labels as float indices, empty batches legal.
 */
package io.batchwise.tensor;

/**
 * The double-precision reference device: {@link io.batchwise.tensor.reference.ReferenceDevice} and
 * {@link io.batchwise.tensor.reference.ReferenceOps}, the plain-Java definition of every kernel that
 * the OpenCL and Java devices are tested against, plus {@link
 * io.batchwise.tensor.reference.KernelArguments}, the argument checks the plain-Java kernel sets
 * share.
 */
package io.batchwise.tensor.reference;

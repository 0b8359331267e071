/**
 * Losses and the host-side metrics that go with them.
 *
 * <p>Scaling convention of the distributed job: every worker sums the per-sample losses of its own
 * local batch and divides the gradient by the <em>global</em> batch size (the sum of all workers'
 * local batch sizes), so that the all-reduced gradient equals the gradient of the mean loss over the
 * global batch, exactly as if one device had trained on all of it.
 */
package io.batchwise.nn.loss;

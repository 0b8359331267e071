package io.batchwise.train;

import io.batchwise.nn.Parameter;
import java.util.List;

/**
 * What happens to the parameter gradients between backward and the optimizer step: nothing on a
 * single worker ({@link #LOCAL}); an all-reduce (sum) over the workers in the data-parallel job.
 *
 * <p>Contract: gradients come in already scaled by {@code 1/globalBatch} (the loss is the sum over
 * this worker's samples divided by the global batch size), so a plain sum over the workers yields
 * the gradient of the mean loss over the global batch. Every worker calls this once per step with
 * the parameters in the same order.
 */
@FunctionalInterface
public interface GradientSync {
  /** One worker: the local gradients are the global ones. */
  GradientSync LOCAL = parameters -> { };

  /** Replaces every {@code p.grad()} by its sum over the workers. */
  void sum(List<Parameter> parameters);
}

package io.batchwise.nn;

import io.batchwise.tensor.Tensor;

/**
 * A trainable tensor and its gradient, both on the layer's device.
 *
 * @param name dotted path inside the model, e.g. {@code block2.conv1.weight}; stable across runs,
 *     used as the checkpoint key
 * @param value the parameter
 * @param grad its gradient, written (not accumulated) by each backward pass
 * @param kind what the parameter is, so optimizers can treat norm parameters and biases apart (for
 *     example no weight decay)
 */
public record Parameter(String name, Tensor value, Tensor grad, Kind kind) {
  /** What a parameter is. */
  public enum Kind {
    WEIGHT,
    BIAS,
    /** Scale (γ) and shift (β) of a normalization layer. */
    NORM
  }

  public Parameter withPrefix(String prefix) {
    return new Parameter(prefix + "." + name, value, grad, kind);
  }
}

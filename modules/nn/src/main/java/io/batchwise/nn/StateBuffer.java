package io.batchwise.nn;

import io.batchwise.tensor.Tensor;

/**
 * Non-trainable layer state that checkpoints must keep, such as BatchNorm running statistics.
 *
 * @param name dotted path inside the model, the checkpoint key
 * @param value the tensor, on the layer's device
 */
public record StateBuffer(String name, Tensor value) {
  public StateBuffer withPrefix(String prefix) {
    return new StateBuffer(prefix + "." + name, value);
  }
}

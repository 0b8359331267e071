package io.batchwise.nn;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * A differentiable layer with an explicit forward and backward pass.
 *
 * <p>Lifecycle, in this order:
 * <ol>
 *   <li>Construct with hyperparameters only (no device, no shapes).</li>
 *   <li>{@link #init} once: binds the device, checks the per-sample input shape, allocates and
 *       initializes parameters and state, and returns the per-sample output shape.</li>
 *   <li>Any number of steps: {@link #forward}, then (after a {@link Mode#TRAIN} forward)
 *       optionally {@link #backward} with the gradient of the loss with respect to the output.</li>
 *   <li>{@link #close} releases every tensor the layer allocated.</li>
 * </ol>
 *
 * <p>Ownership: the tensor returned by {@code forward} or {@code backward} belongs to the layer and
 * stays valid until that method is called again (layers reuse their buffers across steps and
 * reallocate them only when the batch size changes). The input of {@code forward} must stay valid
 * until {@code backward} returns. Parameter gradients are overwritten by every backward pass.
 */
public interface Layer extends AutoCloseable {

  /**
   * Binds the layer to a device and an input shape.
   *
   * @param device where parameters, state and activations live
   * @param inputShape per-sample input shape, e.g. {@code [C, H, W]} or {@code [features]}
   * @param rng the source of initial weights (same seed, same weights)
   * @return the per-sample output shape
   * @throws IllegalArgumentException naming the layer if the input shape does not fit
   */
  int[] init(Device device, int[] inputShape, Random rng);

  /** x has shape {@code [N, ...inputShape]}, N ≥ 0. */
  Tensor forward(Tensor x, Mode mode);

  /** dy has the shape of the last forward output; returns dx with the shape of the last input. */
  Tensor backward(Tensor dy);

  /** Trainable parameters, in a fixed order. */
  List<Parameter> parameters();

  /** Non-trainable state kept by checkpoints (running statistics), in a fixed order. */
  default List<StateBuffer> state() {
    return List.of();
  }

  /** Releases the layer's tensors; the layer cannot be used afterwards. */
  @Override
  void close();
}

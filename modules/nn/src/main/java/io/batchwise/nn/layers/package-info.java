/**
 * The layers of Batchwise, each with an explicit forward and backward pass computed through the
 * kernels of its device ({@link io.batchwise.tensor.Device#ops()}); no layer loops over activations
 * on the host.
 *
 * <p>Conventions:
 * <ol>
 *   <li>Activations are NCHW ({@code [N, C, H, W]}) after convolutions and NC ({@code [N, F]}) after
 *       dense layers; a layer's {@code init} receives the per-sample shape (without N).</li>
 *   <li>Buffers ({@link io.batchwise.nn.layers.TensorSlot}) are reused across steps and reallocated
 *       only when the batch size changes; N = 0 batches are legal and give empty outputs.</li>
 *   <li>Weights are initialized He/Kaiming-normal with fan-in (std = √(2 / fan_in)), biases to 0.</li>
 *   <li>Short-lived workspaces that only live inside one forward or backward call (the im2col
 *       matrix of a convolution) come from the per-device {@link io.batchwise.nn.layers.Scratch},
 *       so a deep network holds one such matrix, not one per layer.</li>
 * </ol>
 */
package io.batchwise.nn.layers;

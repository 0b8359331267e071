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
 *   <li>A {@link io.batchwise.nn.layers.Sequential} links each bias-free
 *       {@link io.batchwise.nn.layers.Conv2d} to a {@link io.batchwise.nn.layers.ChannelFusedInput}
 *       (BatchNorm, SyncBatchNorm) right after it: the convolution's output permute also computes
 *       the normalization's batch moments, and its gradient permute applies the normalization's
 *       input-gradient map, which the normalization then leaves unwritten. Results are those of
 *       the unlinked layers; {@code NormConversion.convNormFusion(model, false)} turns it off.</li>
 * </ol>
 */
package io.batchwise.nn.layers;

/**
 * The contracts every part of a network shares: {@link io.batchwise.nn.Layer} (lifecycle: construct,
 * {@code init} once, forward and backward any number of times, {@code close}), the train/eval
 * {@link io.batchwise.nn.Mode}, trainable {@link io.batchwise.nn.Parameter}s and the
 * checkpointed, non-trainable {@link io.batchwise.nn.StateBuffer}s, and the
 * {@link io.batchwise.nn.DeferredGradients} queue through which convolutions can put their weight
 * gradients off until a synchronized BatchNorm waits for the other workers.
 *
 * <p>Sub-packages: {@code layers} (convolution, pooling, residual blocks, ...), {@code norm} (every
 * normalization, SyncBN and PreciseBN), {@code loss}, {@code optim}, {@code schedule}, {@code models}
 * (the model zoo), {@code checkpoint} and {@code bench}.
 */
package io.batchwise.nn;

/**
 * The training worker and the single-machine trainer.
 *
 * <p>{@link io.batchwise.train.TrainStep} is one optimizer step of one worker (upload, forward,
 * loss scaled by the global batch, backward, gradient sync, SGD), kept apart from any loop so the
 * Spark job's workers reuse it with their shard of each global batch and an all-reducing
 * {@link io.batchwise.train.GradientSync}. {@link io.batchwise.train.Trainer} is the single-worker
 * loop (epochs, evaluation, metrics, checkpoints, run folder), {@link io.batchwise.train.TrainMain}
 * the {@code batchwise train} command.
 */
package io.batchwise.train;

/**
 * Checkpoints: the model's parameters and state buffers, the optimizer state, the epoch, the global
 * step and the run configuration, in one self-checking binary file written atomically.
 *
 * <p>{@link io.batchwise.nn.checkpoint.Checkpoint} owns the byte format (its Javadoc has the
 * layout table); {@link io.batchwise.nn.checkpoint.CheckpointStorage} is the only file-system access,
 * so a Hadoop {@code FileSystem} implementation (HDFS, S3A, …) can be added without touching the
 * format; {@link io.batchwise.nn.checkpoint.LocalCheckpointStorage} is the java.nio one;
 * {@link io.batchwise.nn.checkpoint.CheckpointDirectory} names files per epoch and finds the newest
 * valid one for {@code --resume}.
 */
package io.batchwise.nn.checkpoint;

/**
 * Data sets and batching.
 *
 * <p>Readers for the IDX format (Fashion-MNIST, MNIST; gzipped or raw) and the CIFAR-10 binary
 * format, a seeded synthetic data set for tests and benchmarks, and the {@link
 * io.batchwise.data.BatchSampler} that turns a data set into shuffled, optionally sharded batches.
 *
 * <p>Conventions: images come out as normalized {@code float} values in NCHW order (sample, channel,
 * row, column); labels come out as {@code float} class ids {@code 0 .. numClasses-1}, the form the
 * softmax cross-entropy kernel reads. Every reader validates its input and throws {@link
 * io.batchwise.data.CorruptDataException} naming the file and the problem.
 */
package io.batchwise.data;

/**
 * The data-parallel worker: one training step on worker r of W with synchronized BatchNorm and
 * bucketed gradient all-reduce over a {@link io.batchwise.collective.Communicator}, and an
 * in-process harness that runs W such workers as threads of one JVM over real Netty on 127.0.0.1.
 *
 * <ul>
 *   <li>{@link io.batchwise.train.parallel.CommunicatorReducer}: the bridge nn ↔ collective; a
 *       {@link io.batchwise.nn.norm.StatisticsReducer} that sums SyncBN statistics with a blocking
 *       all-reduce and times itself.</li>
 *   <li>{@link io.batchwise.train.parallel.GradientBuckets}: parameter gradients grouped into
 *       buckets of consecutive parameters in reverse order, each all-reduced asynchronously as soon
 *       as backward has produced all of its gradients.</li>
 *   <li>{@link io.batchwise.train.parallel.DataParallelStep}: upload → forward (TRAIN) → loss summed
 *       locally, gradient scaled by 1/globalBatch → backward layer by layer, issuing buckets →
 *       wait for the buckets → identical SGD step on every replica.</li>
 *   <li>{@link io.batchwise.train.parallel.StepTimes}: what a step measured, per phase.</li>
 *   <li>{@link io.batchwise.train.parallel.LocalCluster}: W worker threads, each with its own
 *       device, model replica and communicator.</li>
 *   <li>{@link io.batchwise.train.parallel.ParallelStepBench}: a table of the phase times per
 *       worker.</li>
 * </ul>
 *
 * <p>Measured (lenet-bn, 2 workers × 32 on PoCL, this 2-core machine under load 7–10, so only
 * rough): 64 KB buckets, 1 MiB buckets and one bucket after backward were within noise of each other
 * (57–67 ms per step). Overlap gains little here because the communicator runs collectives in issue
 * order, so a SyncBN backward reduction issued after a bucket waits for it (the time shows up as
 * {@code syncbn}), and the all-reduce competes with backward for the same two cores.
 *
 * <p>Conventions: the loss of a step is Σ(per-sample losses on this worker) / globalBatch, so the
 * sum over workers of the gradients is the gradient of the mean loss of the global batch; BatchNorm
 * statistics follow {@link io.batchwise.nn.norm.SyncBatchNorm} (biased variance for normalizing,
 * unbiased for the running variance, momentum 0.1 as the weight of the new batch).
 */
package io.batchwise.train.parallel;

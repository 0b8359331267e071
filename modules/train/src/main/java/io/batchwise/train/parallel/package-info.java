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
 *   <li>{@link io.batchwise.train.parallel.CommunicatorGradientSync}: the same buckets behind
 *       {@link io.batchwise.train.GradientSync} for {@link io.batchwise.train.TrainStep} (after
 *       backward, no overlap; same sums).</li>
 *   <li>{@link io.batchwise.train.parallel.BucketIssue}: issue buckets at once, or hold them past an
 *       imminent SyncBN reduction.</li>
 *   <li>{@link io.batchwise.train.parallel.ShardBalancer}: shard sizes of each global batch in
 *       proportion to the workers' measured speeds, for models whose result does not depend on
 *       the split (SyncBN); every rank computes the same split from one all-reduce of step
 *       times.</li>
 *   <li>{@link io.batchwise.train.parallel.StepTimes}: what a step measured, per phase.</li>
 *   <li>{@link io.batchwise.train.parallel.LocalCluster}: W worker threads, each with its own
 *       device, model replica and communicator.</li>
 *   <li>{@link io.batchwise.train.parallel.ParallelStepBench}: a table of the phase times per
 *       worker.</li>
 * </ul>
 *
 * <p>Measured with {@link io.batchwise.train.parallel.ParallelStepBench} (lenet-bn, 2 workers × 32
 * on PoCL, this shared 2-core machine, so only rough): 64 KB buckets, 1 MiB buckets and one bucket
 * after backward were within noise of each other (57–67 ms per step at load 7–10), and so were
 * {@link io.batchwise.train.parallel.BucketIssue#EAGER} and {@code AFTER_SYNCBN} (32–39 vs
 * 38–39 ms at load 3–7). Overlap gains little here: the communicator runs collectives in issue
 * order, so a SyncBN backward reduction issued after a bucket waits for it (the time shows up as
 * {@code syncbn}), and the all-reduce competes with backward for the same two cores. A priority
 * lane for small blocking collectives in the communicator would let SyncBN pass the buckets.
 */
package io.batchwise.train.parallel;

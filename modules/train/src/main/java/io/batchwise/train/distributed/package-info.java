/**
 * The units of work of the distributed training job, one per stage, as run by rank r of W with a
 * connected {@link io.batchwise.collective.Communicator}: the Spark job's barrier tasks call them,
 * and {@link io.batchwise.train.parallel.LocalCluster#runRanks} runs them in-process for tests.
 *
 * <ul>
 *   <li>{@link io.batchwise.train.distributed.RankWorker#trainEpoch}: one epoch. Builds the model
 *       replica, loads the checkpoint of the epochs done so far (none for epoch 0), trains its shard
 *       of every global batch with {@link io.batchwise.train.parallel.DataParallelStep} (SyncBN over
 *       the communicator, bucketed gradient all-reduce) at the learning rate of the global step,
 *       evaluates its shard of the test set with the EMA statistics, reduces the epoch's sums, and
 *       rank 0 writes checkpoint e+1 atomically.</li>
 *   <li>{@link io.batchwise.train.distributed.RankWorker#preciseBn}: PreciseBN population statistics
 *       (Wu &amp; Johnson 2021) with frozen weights over K training samples split into the same global
 *       batches as training, merged across the workers.</li>
 *   <li>{@link io.batchwise.train.distributed.RankWorker#evaluate}: test accuracy with the EMA
 *       statistics and with the PreciseBN statistics, each rank on its shard, sums reduced.</li>
 * </ul>
 *
 * <p>Conventions: epochs are 0-based in calls and 1-based in what users see; checkpoint
 * {@code epoch-E.ckpt} holds the state after E completed epochs and global step E·(steps per
 * epoch). Every unit rebuilds its replica from the seed and the checkpoint, so a unit re-run after
 * a failure (a retried Spark stage) computes exactly what the failed attempt would have. Reports
 * carry a checksum of the replica's parameters so the driver can prove the replicas agree.
 */
package io.batchwise.train.distributed;

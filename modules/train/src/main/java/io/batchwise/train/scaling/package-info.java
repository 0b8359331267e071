/**
 * Scaling of data-parallel SyncBN training: measured on this machine, and projected beyond it.
 *
 * <ul>
 *   <li>{@link io.batchwise.train.scaling.ScalingRun} / {@link io.batchwise.train.scaling.ScalingBench}:
 *       the real runs — W worker processes (one JVM each, one core each: PoCL capped to one thread)
 *       running {@link io.batchwise.train.parallel.DataParallelStep} over the Netty communicator, weak
 *       and strong scaling, SyncBN and per-worker BN, with the step-time breakdown, efficiency, and
 *       the cost of sharing this machine's cores separated from the cost of communication, and the
 *       controls of weak scaling (unconnected jobs at once: {@code independent},
 *       {@code independent-syncbn}); {@link io.batchwise.train.scaling.ScalingRun.Settings} holds
 *       the workers' settings (pinning, transport, deferral, waiting, bucket size);
 *       {@code ScalingFigures} computes each point's figures (efficiency, ceilings, the targets)
 *       from the runs and {@code ScalingReport} writes them (CSV, JSON, markdown, PNG).</li>
 *   <li>{@link io.batchwise.train.scaling.StepJitter} / {@link io.batchwise.train.scaling.LockStepJitter}:
 *       one worker's own step-to-step noise, and what it costs W workers that meet at every
 *       SyncBN reduction or once per step.</li>
 *   <li>{@link io.batchwise.train.scaling.OverlapBench} and {@link io.batchwise.train.scaling.CoreProbe}:
 *       deferred weight gradients (while waiting, or at the next reduction) against in backward;
 *       what each core can do alone and together.</li>
 *   <li>{@link io.batchwise.train.scaling.StepProfile}: one worker's step as a timeline of compute
 *       segments, SyncBN reductions and gradient-bucket issues, measured.</li>
 *   <li>{@link io.batchwise.train.scaling.StepSimulator}: that timeline replayed on N nodes against
 *       the fitted alpha–beta collective model ({@link io.batchwise.collective.model}), with the
 *       communicator's one-lane FIFO order and the buckets' overlap as implemented.</li>
 *   <li>{@link io.batchwise.train.scaling.ScalingProjection}: tables and plots of projected step
 *       time and efficiency at 16–1024 nodes, 10/25/100 Gbit/s, 5–50 µs.</li>
 * </ul>
 *
 * <p>Efficiency is always images/s at W over W times images/s at one worker (weak scaling: every
 * worker keeps its batch; strong scaling: the global batch is fixed).
 */
package io.batchwise.train.scaling;

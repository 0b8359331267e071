/**
 * The BatchNorm study ({@code ./batchwise bench study}): small-scale reproductions of published
 * claims about batch normalization on Fashion-MNIST, each a table, a CSV, a plot and a verdict
 * beside the claim, written to {@code bench/results/} ({@code study.json}, {@code study.md},
 * {@code study-N-*.csv}, {@code study-N-*.png}).
 *
 * <p>Experiments, one class each: {@link PerWorkerBatchStudy} (Wu &amp; He 2018),
 * {@link PreciseBnStudy} (Wu &amp; Johnson 2021), {@link NonIidStudy} (Ioffe 2017),
 * {@link TrainTestInconsistencyStudy} (Wu &amp; Johnson 2021), {@link LossLandscapeStudy}
 * (Santurkar et al. 2018), {@link DomainShiftStudy} (re-estimating population statistics on a
 * shifted domain, as in Li et al. 2016 "AdaBN" and Schneider et al. 2020). {@link StudyMain} runs
 * them; {@code --quick} is the few-minute variant.
 *
 * <p>How W data-parallel workers are simulated on one device (the study must fit two shared CPU
 * cores, so no worker threads): {@link SimulatedWorkers} trains with a global batch of W·b split into
 * W per-worker parts of b samples.
 * <ul>
 *   <li>SyncBN over W workers normalizes over the whole global batch, so it is plain BatchNorm on one
 *       forward of the W·b samples — exactly (the train/parallel tests prove SyncBN on W workers equal
 *       to one device bit for bit up to float reduction order, e.g. {@code DataParallelStepTest}).</li>
 *   <li>Per-worker BatchNorm normalizes each worker's b samples alone: {@link
 *       io.batchwise.nn.norm.GhostBatchNorm} with virtual batch b over the W·b samples does exactly
 *       that in one forward, and the gradient is the mean over the global batch, as data-parallel SGD
 *       averages it. One difference: its running statistics take W EMA updates per step (one per
 *       ghost batch), where a real job keeps rank 0's, one update per step.</li>
 *   <li>Layers with no ghost variant (Batch Renorm) run as W forward/backward passes of b samples
 *       each with the gradients summed before one optimizer step (gradient accumulation): the same
 *       normalization and gradient as W workers; running statistics again update once per part.</li>
 *   <li>GroupNorm does not depend on the batch: one forward of W·b.</li>
 * </ul>
 *
 * <p>Every number in the outputs comes with the command line, the seed and the settings of its run.
 */
package io.batchwise.train.study;

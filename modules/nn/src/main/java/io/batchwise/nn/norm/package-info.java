/**
 * Normalization layers and the {@link io.batchwise.nn.norm.NormFactory} models take them from.
 *
 * <p>Conventions (see {@link io.batchwise.nn.norm.BatchNorm} for the details):
 * <ol>
 *   <li>Per-channel statistics are shifted sums accumulated in double on the device
 *       ({@code ops.channelMoments}), with the running mean as the shift; the host turns the C sums
 *       into mean, biased variance and 1/√(var + eps) in double.</li>
 *   <li>The step "local sums → sums over the normalization group" is one seam, the
 *       {@link io.batchwise.nn.norm.StatisticsReducer}: the identity for local BatchNorm, an
 *       all-reduce of 2C+1 doubles (forward) and 2C doubles (backward) for SyncBatchNorm.</li>
 *   <li>Running statistics follow PyTorch by default: momentum 0.1 is the weight of the new batch
 *       statistic, and the running variance stores the unbiased batch variance.</li>
 * </ol>
 */
package io.batchwise.nn.norm;

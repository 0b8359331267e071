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
 *
 * <p>The family (issue 3): {@link io.batchwise.nn.norm.SyncBatchNorm} (statistics over a sync group
 * through a bound reducer; {@link io.batchwise.nn.norm.InProcessReducer} and
 * {@link io.batchwise.nn.norm.SyncGroups} for in-JVM groups), {@link io.batchwise.nn.norm.BatchRenorm}
 * with its {@link io.batchwise.nn.norm.RenormSchedule}, {@link io.batchwise.nn.norm.GroupNorm} /
 * {@link io.batchwise.nn.norm.LayerNorm} / {@link io.batchwise.nn.norm.InstanceNorm},
 * {@link io.batchwise.nn.norm.WeightStandardizedConv2d}, {@link io.batchwise.nn.norm.FrozenBatchNorm},
 * {@link io.batchwise.nn.norm.GhostBatchNorm}; population statistics by EMA, cumulative average
 * ({@link io.batchwise.nn.norm.MomentumConvention#CUMULATIVE}) or exactly by
 * {@link io.batchwise.nn.norm.PreciseBn}; {@link io.batchwise.nn.norm.NormFreeze} for the last
 * epochs; {@link io.batchwise.nn.norm.NormConversion} between members; names for
 * {@link io.batchwise.nn.norm.NormFactory#byName(String, io.batchwise.nn.norm.NormContext)}:
 * bn, bn-keras, none, syncbn, brn, gn, ln, in, frozenbn, ghostbn.
 */
package io.batchwise.nn.norm;

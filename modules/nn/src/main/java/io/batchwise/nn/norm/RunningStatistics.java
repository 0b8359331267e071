package io.batchwise.nn.norm;

import io.batchwise.nn.Layer;
import io.batchwise.nn.StateBuffer;
import io.batchwise.tensor.Tensor;
import java.util.List;

/**
 * A normalization layer that normalizes with batch statistics in TRAIN and with running
 * (population) statistics in EVAL: {@link BatchNorm}, {@link SyncBatchNorm}, {@link BatchRenorm},
 * {@link GhostBatchNorm}. {@link PreciseBn} replaces their running statistics with exact ones
 * through this view; layers without population statistics (GroupNorm, FrozenBatchNorm) do not
 * implement it.
 *
 * <p>Contract of the forward observer: in a TRAIN forward that uses batch statistics, the layer
 * calls it with the shift K its sums are taken around (its running mean at the start of the
 * forward) and the local, not yet reduced sums: per channel Σ(x − K), Σ(x − K)² and last the
 * count, 2C+1 doubles; once per forward, or once per virtual batch for Ghost BN.
 */
interface RunningStatistics extends Layer {
  Tensor runningMean();

  Tensor runningVar();

  /** Every state buffer of the layer (running statistics and counters). */
  @Override
  List<StateBuffer> state();

  /** The conventions of the running variance (biased or unbiased) and of the momentum. */
  BatchNorm.Options options();

  boolean statisticsFrozen();

  void freezeStatistics(boolean frozen);

  /** Installs (or with null removes) the observer of the local forward sums. */
  void observeForward(BatchNorm.ForwardObserver observer);
}

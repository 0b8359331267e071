package io.batchwise.nn.norm;

import io.batchwise.nn.Layer;

/**
 * The switch that freezes a trained model's normalization statistics for its last epochs: from then
 * on every {@link BatchNorm} (hence {@link SyncBatchNorm}) and {@link BatchRenorm} layer normalizes
 * TRAIN batches with its running statistics and stops updating them, while γ and β keep training.
 * This removes the train/test inconsistency of batch statistics at the end of training (and, for
 * SyncBN, the per-step all-reduces). Layers without batch statistics are left alone.
 */
public final class NormFreeze {
  private NormFreeze() {
  }

  /**
   * Sets the freeze of every batch-statistics layer in {@code model}.
   *
   * @return how many layers it set
   */
  public static int freezeStatistics(Layer model, boolean frozen) {
    int count = 0;
    for (Layer l : ModelWalk.leaves(model)) {
      if (l instanceof BatchNorm bn) {
        bn.freezeStatistics(frozen);
        count++;
      } else if (l instanceof BatchRenorm brn) {
        brn.freezeStatistics(frozen);
        count++;
      } else if (l instanceof GhostBatchNorm g) {
        g.freezeStatistics(frozen);
        count++;
      }
    }
    return count;
  }

  /**
   * Whether training epoch {@code epoch} (0-based) of {@code epochs} falls in the last
   * {@code frozenEpochs}: the trainer calls {@code freezeStatistics(model, isFrozenEpoch(…))} at the
   * start of each epoch.
   */
  public static boolean isFrozenEpoch(int epoch, int epochs, int frozenEpochs) {
    if (frozenEpochs < 0 || epochs < 0) {
      throw new IllegalArgumentException("epoch counts must be ≥ 0, got epochs=" + epochs + ", frozen="
          + frozenEpochs);
    }
    return epoch >= epochs - frozenEpochs;
  }
}

package io.batchwise.nn.norm;

/** What the momentum m of a running average means. */
public enum MomentumConvention {
  /** PyTorch: m is the weight of the new batch statistic, r ← (1 − m)·r + m·batch (default m = 0.1). */
  NEW_WEIGHT,
  /** Keras/TensorFlow: m is the weight of the old value, r ← m·r + (1 − m)·batch (default m = 0.99). */
  OLD_WEIGHT,
  /**
   * A cumulative average instead of an EMA (PyTorch's momentum = None): the t-th batch statistic
   * gets weight 1/t, so the running value is the plain mean of all batch statistics seen; m is
   * ignored. Layers that support it count t in a state buffer ({@code num_batches_tracked}).
   */
  CUMULATIVE
}

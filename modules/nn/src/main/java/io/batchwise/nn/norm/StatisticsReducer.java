package io.batchwise.nn.norm;

/**
 * Sums a short vector of doubles over the workers that normalize together: the one step in which
 * {@link BatchNorm} (identity, {@link #LOCAL}) and a synchronized BatchNorm (an all-reduce) differ.
 *
 * <p>Forward passes {@code 2C + 1} values: per channel c, {@code [2c] = Σ(x − K)} and
 * {@code [2c+1] = Σ(x − K)²} with K the running mean, then the element count S0 last. Backward
 * passes {@code 2C} values: {@code [2c] = Σ dy}, {@code [2c+1] = Σ dy·(x − mean)}.
 *
 * <p>Contract for implementations: every member of the group calls it the same number of times in
 * the same order (a member with an empty batch passes zeros), and every member gets bit-identical
 * sums (a fixed reduction order), so replicas compute identical statistics.
 */
@FunctionalInterface
public interface StatisticsReducer {
  /** The identity: statistics of the local batch only. */
  StatisticsReducer LOCAL = values -> { };

  /** Replaces {@code values} in place by their element-wise sum over the group. */
  void sum(double[] values);
}

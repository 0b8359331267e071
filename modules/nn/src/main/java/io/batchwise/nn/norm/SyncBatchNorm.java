package io.batchwise.nn.norm;

/**
 * Synchronized BatchNorm: {@link BatchNorm} whose statistics are those of the whole global batch
 * (or of a {@link SyncGroups sync group}), so W workers with B/W samples each normalize as one
 * device with batch B would.
 *
 * <p>Per step it reduces one message of 2C+1 doubles in forward (per channel Σ(x−K), Σ(x−K)² with K
 * the running mean, identical on every replica, then the element count S0) and one of 2C in backward
 * (Σdy, Σdy·(x−mean)); everything else is {@link BatchNorm}'s arithmetic, conventions and errors
 * (S0 = 0: no update; S0 = 1 in TRAIN: error). dγ and dβ stay local: they travel with the other
 * parameter gradients and are summed there, never twice. A worker with an empty local batch still
 * takes part in both reductions (with zeros), as the {@link StatisticsReducer} contract requires.
 *
 * <p>Without a reducer (until a trainer {@link #bindReducer binds} one) it is local BatchNorm. The
 * reducer is the group's: for sync groups, pass the reducer of this rank's group.
 */
public class SyncBatchNorm extends BatchNorm {
  /** PyTorch defaults, local until a reducer is bound. */
  public SyncBatchNorm(int channels) {
    this(channels, Options.PYTORCH, StatisticsReducer.LOCAL);
  }

  public SyncBatchNorm(int channels, StatisticsReducer reducer) {
    this(channels, Options.PYTORCH, reducer);
  }

  public SyncBatchNorm(int channels, Options options, StatisticsReducer reducer) {
    super(channels, options, StatisticsReducer.LOCAL);
    bindReducer(reducer);
  }

  /** Sets the group's reducer (the train module wires its communicator here). */
  public final void bindReducer(StatisticsReducer r) {
    if (r == null) {
      throw new IllegalArgumentException("SyncBatchNorm needs a reducer (StatisticsReducer.LOCAL for none)");
    }
    setStatisticsReducer(r);
  }

  public StatisticsReducer reducer() {
    return statisticsReducer();
  }

  @Override
  protected void reduceForward(double[] sums) {
    super.reduceForward(sums);
    double count = sums[sums.length - 1];
    // A count that is not a non-negative whole number means the members disagreed on the message.
    if (!(count >= 0) || count != Math.rint(count)) {
      throw new IllegalStateException(describe() + ": reduced element count " + count
          + " is not a non-negative whole number; the group's members reduced different statistics");
    }
  }
}

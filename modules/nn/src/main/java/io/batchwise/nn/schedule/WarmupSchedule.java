package io.batchwise.nn.schedule;

/**
 * Linear warm-up in front of any schedule (Goyal et al. 2017, "Accurate, Large Minibatch SGD"):
 * {@code lr(t) = inner.lr(t) · (t + 1) / W} for {@code t < W}, and {@code inner.lr(t)} from step W on.
 *
 * <p>The factor multiplies the inner schedule rather than delaying it: the inner schedule keeps its
 * own clock (a cosine over the total steps still ends at the last step; step milestones stay where
 * they were put). The first update uses {@code 1/W} of the rate, not 0, so no step is wasted, and step
 * {@code W − 1} already uses the full rate.
 */
public final class WarmupSchedule implements LearningRateSchedule {
  private final LearningRateSchedule inner;
  private final long warmupSteps;

  /**
   * @param inner the schedule after warm-up
   * @param warmupSteps W ≥ 1
   */
  public WarmupSchedule(LearningRateSchedule inner, long warmupSteps) {
    if (inner == null) {
      throw new IllegalArgumentException("warm-up needs a schedule to wrap");
    }
    if (warmupSteps < 1) {
      throw new IllegalArgumentException("warm-up length must be >= 1 step, got " + warmupSteps);
    }
    this.inner = inner;
    this.warmupSteps = warmupSteps;
  }

  @Override
  public double lr(long step) {
    LearningRateSchedule.checkStep(step);
    double lr = inner.lr(step);
    return step < warmupSteps ? lr * (step + 1) / warmupSteps : lr;
  }

  public long warmupSteps() {
    return warmupSteps;
  }

  @Override
  public String toString() {
    return "linear warm-up over " + warmupSteps + " steps, then " + inner;
  }
}

package io.batchwise.nn.schedule;

/**
 * Half-cosine annealing (Loshchilov &amp; Hutter's SGDR without restarts):
 * {@code lr(t) = floor + (base − floor) · (1 + cos(π · min(t, T) / T)) / 2}. So {@code lr(0) = base},
 * {@code lr(T/2)} is the midpoint, and {@code lr(t) = floor} for every {@code t ≥ T}.
 */
public final class CosineSchedule implements LearningRateSchedule {
  private final double base;
  private final double floor;
  private final long totalSteps;

  /**
   * @param base the rate at step 0, finite and ≥ 0
   * @param floor the rate at {@code totalSteps} and after, in {@code [0, base]}
   * @param totalSteps T ≥ 1, usually the number of optimizer updates of the whole run
   */
  public CosineSchedule(double base, double floor, long totalSteps) {
    this.base = LearningRateSchedule.checkRate("learning rate", base);
    LearningRateSchedule.checkRate("cosine floor", floor);
    if (floor > base) {
      throw new IllegalArgumentException("cosine floor " + floor + " is above the base learning rate " + base);
    }
    if (totalSteps < 1) {
      throw new IllegalArgumentException("cosine schedule needs total steps >= 1, got " + totalSteps);
    }
    this.floor = floor;
    this.totalSteps = totalSteps;
  }

  @Override
  public double lr(long step) {
    LearningRateSchedule.checkStep(step);
    if (step >= totalSteps) {
      return floor;
    }
    double progress = (double) step / totalSteps;
    return floor + (base - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }

  @Override
  public String toString() {
    return "cosine(lr=" + base + " to " + floor + " over " + totalSteps + " steps)";
  }
}

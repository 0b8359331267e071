package io.batchwise.nn.schedule;

/** {@code lr(step) = base} for every step. */
public final class ConstantSchedule implements LearningRateSchedule {
  private final double base;

  public ConstantSchedule(double base) {
    this.base = LearningRateSchedule.checkRate("learning rate", base);
  }

  @Override
  public double lr(long step) {
    LearningRateSchedule.checkStep(step);
    return base;
  }

  @Override
  public String toString() {
    return "constant(lr=" + base + ")";
  }
}

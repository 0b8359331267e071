package io.batchwise.nn.schedule;

import java.util.Arrays;

/**
 * Piecewise-constant decay: {@code lr(step) = base · gamma^m} where m is the number of milestones
 * {@code ≤ step}. A milestone is the first step that uses the decayed rate (PyTorch's
 * {@code MultiStepLR} with one scheduler step per optimizer update).
 */
public final class StepSchedule implements LearningRateSchedule {
  private final double base;
  private final long[] milestones;
  private final double gamma;

  /**
   * @param base the rate before the first milestone, finite and ≥ 0
   * @param milestones strictly increasing, each ≥ 1
   * @param gamma the factor applied at each milestone, finite and &gt; 0
   */
  public StepSchedule(double base, long[] milestones, double gamma) {
    this.base = LearningRateSchedule.checkRate("learning rate", base);
    if (!(gamma > 0) || Double.isInfinite(gamma)) {
      throw new IllegalArgumentException("step schedule gamma must be finite and > 0, got " + gamma);
    }
    if (milestones.length == 0) {
      throw new IllegalArgumentException("step schedule needs at least one milestone");
    }
    for (int i = 0; i < milestones.length; i++) {
      if (milestones[i] < 1) {
        throw new IllegalArgumentException("step schedule milestones must be >= 1, got " + milestones[i]);
      }
      if (i > 0 && milestones[i] <= milestones[i - 1]) {
        throw new IllegalArgumentException(
            "step schedule milestones must be strictly increasing, got " + Arrays.toString(milestones));
      }
    }
    this.milestones = milestones.clone();
    this.gamma = gamma;
  }

  @Override
  public double lr(long step) {
    LearningRateSchedule.checkStep(step);
    double lr = base;
    for (long m : milestones) {
      if (step >= m) {
        lr *= gamma;
      }
    }
    return lr;
  }

  public long[] milestones() {
    return milestones.clone();
  }

  @Override
  public String toString() {
    return "step(lr=" + base + ", milestones=" + Arrays.toString(milestones) + ", gamma=" + gamma + ")";
  }
}

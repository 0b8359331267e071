package io.batchwise.nn.schedule;

/**
 * A learning rate as a pure function of the global step.
 *
 * <p>Steps are 0-based: {@code lr(0)} is used by the first optimizer update. Implementations refuse a
 * negative step and describe themselves in {@code toString()} (for logs and run summaries).
 */
@FunctionalInterface
public interface LearningRateSchedule {

  /** The learning rate of the update at {@code step} (0-based); finite and ≥ 0. */
  double lr(long step);

  /** The same learning rate at every step. */
  static LearningRateSchedule constant(double lr) {
    return new ConstantSchedule(lr);
  }

  /** {@code lr · gamma^(number of milestones ≤ step)}. */
  static LearningRateSchedule step(double lr, long[] milestones, double gamma) {
    return new StepSchedule(lr, milestones, gamma);
  }

  /** Half-cosine from {@code lr} at step 0 to {@code floor} at {@code totalSteps}, then {@code floor}. */
  static LearningRateSchedule cosine(double lr, double floor, long totalSteps) {
    return new CosineSchedule(lr, floor, totalSteps);
  }

  /** Linear warm-up over the first {@code warmupSteps} steps, multiplying {@code inner}. */
  static LearningRateSchedule warmup(LearningRateSchedule inner, long warmupSteps) {
    return new WarmupSchedule(inner, warmupSteps);
  }

  /** Throws for a negative step. */
  static void checkStep(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("learning-rate schedule step must be >= 0, got " + step);
    }
  }

  /** Throws unless {@code lr} is finite and ≥ 0; returns it. */
  static double checkRate(String what, double lr) {
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException(what + " must be finite and >= 0, got " + lr);
    }
    return lr;
  }
}

package io.batchwise.train.distributed;

/**
 * Told after every training step of an epoch (on the worker's training thread), e.g. to report
 * progress to the driver. Must be cheap and must not throw.
 */
@FunctionalInterface
public interface StepListener {
  StepListener NONE = (done, total, lossSum, samples) -> { };

  /**
   * @param done steps done in this epoch
   * @param total steps of the epoch
   * @param lossSum sum of this worker's per-sample losses of this step
   * @param samples this worker's samples of this step
   */
  void stepDone(int done, int total, double lossSum, int samples);
}

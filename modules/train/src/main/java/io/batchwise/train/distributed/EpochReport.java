package io.batchwise.train.distributed;

import io.batchwise.train.parallel.StepTimes;
import java.io.Serializable;

/**
 * What one rank reports after {@link RankWorker#trainEpoch}. The {@code train*} and {@code test*}
 * sums are over all workers (reduced, identical on every rank); times, samples and device are this
 * rank's own.
 *
 * @param rank this worker's rank
 * @param epoch the epoch trained, 1-based
 * @param steps optimizer steps of the epoch
 * @param globalStep optimizer steps done in the run after this epoch
 * @param lr learning rate of the epoch's last step
 * @param trainLossSum sum of the per-sample training losses (TRAIN-mode forward of each step)
 * @param trainCorrect training samples the TRAIN-mode forward classified correctly
 * @param trainSamples training samples of the epoch (all workers)
 * @param testLossSum sum of the per-sample test losses, EVAL mode with the EMA statistics
 * @param testCorrect test samples classified correctly
 * @param testSamples test samples evaluated (all workers)
 * @param localSamples this rank's training samples of the epoch
 * @param times this rank's step phases summed over the epoch
 * @param trainNanos this rank's wall time of the training loop
 * @param evalNanos this rank's wall time of the evaluation
 * @param checkpoint where rank 0 wrote the checkpoint of this epoch (null on other ranks or when
 *     checkpoints are off)
 * @param parameterChecksum hash of the raw bits of the replica's parameters after the epoch
 * @param device the device this rank trained on
 */
public record EpochReport(int rank, int epoch, int steps, long globalStep, double lr,
    double trainLossSum, long trainCorrect, long trainSamples, double testLossSum,
    long testCorrect, long testSamples, long localSamples, StepTimes times, long trainNanos,
    long evalNanos, String checkpoint, long parameterChecksum, String device)
    implements Serializable {

  public double trainLoss() {
    return trainSamples == 0 ? Double.NaN : trainLossSum / trainSamples;
  }

  public double trainAccuracy() {
    return trainSamples == 0 ? Double.NaN : (double) trainCorrect / trainSamples;
  }

  public double testLoss() {
    return testSamples == 0 ? Double.NaN : testLossSum / testSamples;
  }

  public double testAccuracy() {
    return testSamples == 0 ? Double.NaN : (double) testCorrect / testSamples;
  }
}

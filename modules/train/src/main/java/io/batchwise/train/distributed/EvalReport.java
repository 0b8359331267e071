package io.batchwise.train.distributed;

import java.io.Serializable;

/**
 * What one rank reports after {@link RankWorker#evaluate}: test loss sums and correct counts over
 * all workers (reduced), with the EMA running statistics and, when PreciseBN statistics were given,
 * with those ({@code NaN}/0 otherwise).
 */
public record EvalReport(int rank, long samples, double emaLossSum, long emaCorrect,
    double preciseLossSum, long preciseCorrect, boolean hasPrecise, long nanos)
    implements Serializable {

  public double emaAccuracy() {
    return samples == 0 ? Double.NaN : (double) emaCorrect / samples;
  }

  public double emaLoss() {
    return samples == 0 ? Double.NaN : emaLossSum / samples;
  }

  public double preciseAccuracy() {
    return !hasPrecise || samples == 0 ? Double.NaN : (double) preciseCorrect / samples;
  }

  public double preciseLoss() {
    return !hasPrecise || samples == 0 ? Double.NaN : preciseLossSum / samples;
  }
}

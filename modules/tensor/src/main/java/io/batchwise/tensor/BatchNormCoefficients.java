package io.batchwise.tensor;

/**
 * The per-channel arithmetic of training-mode BatchNorm, in double: from the shifted sums to the
 * normalization coefficients and running statistics (forward), and from the gradient sums to the
 * input-gradient coefficients (backward). One definition, used by {@code nn}'s BatchNorm when the
 * sums travel across workers and by {@link Ops}' composed BatchNorm methods; the OpenCL kernels
 * {@code bn_train_forward*} / {@code bn_train_backward*} of {@code channels.cl} repeat it operation
 * for operation, in the same order, without contracting to fused multiply-adds, so a fused kernel
 * and the composition agree bit for bit.
 *
 * <p>Conventions (Ioffe &amp; Szegedy 2015; the variance used to normalize is the biased one):
 * <ol>
 *   <li>The sums are shifted by K (the running mean before the update): S1 = Σ(x−K), S2 = Σ(x−K)²
 *       over the S0 values of a channel; m1 = S1/S0, mean = K + m1,
 *       var = max(S2/S0 − m1², 0), invstd = 1/√(var + eps).</li>
 *   <li>y = x·a + b with a = γ·invstd and b = β − mean·a.</li>
 *   <li>Running statistics, w the weight of the new value: rm ← (1−w)·rm + w·mean,
 *       rv ← (1−w)·rv + w·var·bessel (bessel = S0/(S0−1) for an unbiased running variance, else 1).</li>
 *   <li>Backward, with s1 = Σdy and s2 = Σdy·(x−center) summed over the normalization group,
 *       center the mean as stored in float, gi = γ·invstd:
 *       dx = dy·a + x·b + d, a = gi, b = −gi·invstd²·s2/S0, d = −gi·s1/S0 − b·center.</li>
 * </ol>
 */
public final class BatchNormCoefficients {
  private BatchNormCoefficients() {
  }

  /**
   * Forward coefficients of every channel (invariants 1–3).
   *
   * @param count S0, the number of values per channel (≥ 2)
   * @param sums [S1, S2] per channel, interleaved (2C values)
   * @param shift K per channel (the running mean before the update)
   * @param runningMean in: K's tensor values (usually equal to {@code shift}); out: updated
   * @param runningVar in/out
   * @param mean out: the batch mean
   * @param invstd out
   * @param a out: the scale γ·invstd
   * @param b out: the shift β − mean·a
   */
  public static void forward(double count, double[] sums, double[] shift, double[] gamma,
      double[] beta, double eps, double w, double bessel, double[] runningMean,
      double[] runningVar, double[] mean, double[] invstd, double[] a, double[] b) {
    for (int ch = 0; ch < shift.length; ch++) {
      double m1 = sums[2 * ch] / count;
      mean[ch] = shift[ch] + m1;
      double var = sums[2 * ch + 1] / count - m1 * m1;
      // max(var, 0) as the kernel writes it: a NaN stays NaN, as Math.max would leave it.
      var = var < 0.0 ? 0.0 : var;
      invstd[ch] = 1.0 / Math.sqrt(var + eps);
      a[ch] = gamma[ch] * invstd[ch];
      b[ch] = beta[ch] - mean[ch] * a[ch];
      runningMean[ch] = (1 - w) * runningMean[ch] + w * mean[ch];
      runningVar[ch] = (1 - w) * runningVar[ch] + w * var * bessel;
    }
  }

  /**
   * Input-gradient coefficients of every channel (invariant 4).
   *
   * @param count S0 of the normalization group
   * @param sums [s1, s2] per channel, interleaved, summed over the group
   * @param center the mean per channel as the float tensor stores it
   */
  public static void backward(double count, double[] sums, double[] gamma, double[] invstd,
      double[] center, double[] a, double[] b, double[] d) {
    for (int ch = 0; ch < gamma.length; ch++) {
      double gi = gamma[ch] * invstd[ch];
      double s1 = sums[2 * ch] / count;
      double s2 = sums[2 * ch + 1] / count;
      a[ch] = gi;
      b[ch] = -gi * invstd[ch] * invstd[ch] * s2;
      d[ch] = -gi * s1 - b[ch] * center[ch];
    }
  }
}

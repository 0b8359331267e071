package io.batchwise.nn.norm;

/**
 * Instance Normalization (Ulyanov et al. 2016): each (sample, channel) plane normalized over its H·W
 * values, per-channel affine γ, β, no running statistics (TRAIN = EVAL). It is {@link GroupNorm} with
 * one group per channel. On NC input every group holds a single value, so the output is β.
 */
public class InstanceNorm extends GroupNorm {
  public InstanceNorm() {
    super(0);
  }

  public InstanceNorm(double eps) {
    super(0, eps);
  }
}

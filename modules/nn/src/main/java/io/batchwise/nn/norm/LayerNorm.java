package io.batchwise.nn.norm;

/**
 * Layer Normalization (Ba et al. 2016) for CNNs: each sample normalized over all its C·H·W values
 * (or its C features), then a per-channel affine γ_c, β_c. It is {@link GroupNorm} with one group
 * (the convention of Wu &amp; He 2018 for convolutional LN), so its conventions are GroupNorm's.
 */
public class LayerNorm extends GroupNorm {
  public LayerNorm() {
    super(1);
  }

  public LayerNorm(double eps) {
    super(1, eps);
  }
}

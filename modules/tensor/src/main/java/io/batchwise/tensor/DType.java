package io.batchwise.tensor;

/**
 * Element type of a {@link Tensor}.
 *
 * <p>Activations, parameters and gradients are {@link #FLOAT}. {@link #DOUBLE} tensors hold the few
 * values that must not lose precision: per-channel sums and sums of squares that BatchNorm turns into
 * a variance (a float E[x²] − E[x]² cancels catastrophically when the mean is large).
 */
public enum DType {
  FLOAT(4),
  DOUBLE(8);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }
}

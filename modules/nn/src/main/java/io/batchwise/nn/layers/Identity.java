package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;
import java.util.Random;

/**
 * y = x; returns its input (and the output gradient) unchanged. The {@code none} normalization.
 *
 * <p>Ownership: forward returns the caller's own input tensor and backward the caller's dy, not a
 * layer buffer (allowed: both stay valid as long as the {@link io.batchwise.nn.Layer} contract
 * keeps its input valid). Callers never close what a layer returns.
 */
public final class Identity extends AbstractLayer {
  @Override
  protected String describe() {
    return "Identity";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    return s;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    beginForward(x, mode);
    return x;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    return dy;
  }
}

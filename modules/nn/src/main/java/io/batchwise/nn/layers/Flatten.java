package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;
import java.util.Random;

/**
 * Reshapes {@code [N, d1, d2, ...]} to {@code [N, d1·d2·…]} as a view (no copy), and back in backward.
 * The returned tensors are views of the caller's input and dy, valid as long as those are.
 */
public final class Flatten extends AbstractLayer {
  @Override
  protected String describe() {
    return "Flatten";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    if (s.length == 0) {
      throw new IllegalArgumentException("Flatten needs a per-sample shape of rank >= 1");
    }
    return new int[] {product(s)};
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    return x.view(n, outShape[0]);
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    return dy.view(withBatch(batch, inShape));
  }
}

package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;
import java.util.Random;

/** y = max(x, 0) on any shape; the gradient at 0 is taken as 0. */
public final class ReLU extends AbstractLayer {
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();

  @Override
  protected String describe() {
    return "ReLU";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    return s;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, outShape));
    if (n > 0) {
      ops.reluForward(x, y);
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    Tensor d = dx.get(device, withBatch(batch, inShape));
    if (batch > 0) {
      ops.reluBackward(out.current(), dy, d);
    }
    return d;
  }
}

package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;
import java.util.Random;

/** Mean over the spatial axes: {@code [N, C, H, W]} → {@code [N, C]}. */
public final class GlobalAvgPool extends AbstractLayer {
  private int channels;
  private int inner;
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();

  @Override
  protected String describe() {
    return "GlobalAvgPool";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    requireRank(s, 3, "[C, H, W]");
    channels = s[0];
    inner = s[1] * s[2];
    return new int[] {channels};
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, n, channels);
    if (n > 0) {
      ops.globalAvgPoolForward(x, n, channels, inner, y);
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    Tensor d = dx.get(device, withBatch(batch, inShape));
    if (batch > 0) {
      ops.globalAvgPoolBackward(dy, batch, channels, inner, d);
    }
    return d;
  }
}

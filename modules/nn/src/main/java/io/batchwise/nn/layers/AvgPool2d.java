package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import java.util.Random;

/**
 * Average pooling over NCHW input with a square window; the divisor is always kernel², padded cells
 * counting as zeros (PyTorch's default {@code count_include_pad=True}).
 */
public final class AvgPool2d extends AbstractLayer {
  private final int kernel;
  private final int stride;
  private final int padding;
  private Window2d window;
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();

  /** Window {@code kernel}, stride {@code kernel}, no padding. */
  public AvgPool2d(int kernel) {
    this(kernel, kernel, 0);
  }

  public AvgPool2d(int kernel, int stride, int padding) {
    if (kernel <= 0 || stride <= 0 || padding < 0 || padding * 2 > kernel) {
      throw new IllegalArgumentException("AvgPool2d needs kernel, stride > 0 and 0 <= padding <= kernel/2, got "
          + kernel + ", " + stride + ", " + padding);
    }
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
  }

  @Override
  protected String describe() {
    return "AvgPool2d(k=" + kernel + ", s=" + stride + ", p=" + padding + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    requireRank(s, 3, "[C, H, W]");
    try {
      window = Window2d.square(1, s[0], s[1], s[2], kernel, stride, padding);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(describe() + ": " + e.getMessage(), e);
    }
    return new int[] {s[0], window.oh(), window.ow()};
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, outShape));
    if (n > 0) {
      ops.avgPoolForward(x, window.withBatch(n), y);
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    Tensor d = dx.get(device, withBatch(batch, inShape));
    if (batch > 0) {
      ops.avgPoolBackward(dy, window.withBatch(batch), d);
    }
    return d;
  }
}

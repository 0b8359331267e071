package io.batchwise.nn.layers;

import io.batchwise.nn.DeferredGradients;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import java.util.Random;

/**
 * 2-D convolution (cross-correlation, PyTorch's convention) over NCHW input with a square kernel,
 * equal stride and zero padding on both axes, dilation 1, groups 1.
 *
 * <p>Weight {@code [Cout, Cin, K, K]}, He/Kaiming-normal with fan_in = Cin·K·K; optional bias
 * {@code [Cout]}, zero-initialized (leave it out when a normalization layer follows: its β does the
 * same job). Output size per axis: {@code (in + 2·pad − K) / stride + 1}.
 *
 * <p>Forward: im2col → GEMM W·col into CNHW → permute to NCHW → add bias. Backward: permute dy to
 * CNHW; dW = dY·colᵀ; db = Σ dy per channel; dcol = Wᵀ·dY; col2im. The im2col matrix lives in the
 * device {@link Scratch} and is recomputed in backward from the kept input (cheap next to the GEMMs,
 * and a deep network then holds one such matrix instead of one per layer).
 */
public final class Conv2d extends AbstractLayer {
  private final int outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final boolean hasBias;
  private Parameter weight;
  private Parameter bias;
  private Window2d window;
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();
  /**
   * dY in CNHW kept from backward for the deferred weight gradient (only while deferring): one
   * buffer per layer, so that deferred work need not permute dy a second time.
   */
  private final TensorSlot dyKept = slot();
  /** Where backward leaves its weight gradient; null: computed in backward. */
  private DeferredGradients deferred;
  /** The normalization right after this layer that rides on its permutes; null: none. */
  private ChannelFusedInput next;

  public Conv2d(int outChannels, int kernel, int stride, int padding, boolean bias) {
    if (outChannels <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
      throw new IllegalArgumentException("Conv2d needs outChannels, kernel, stride > 0 and padding >= 0, got "
          + outChannels + ", " + kernel + ", " + stride + ", " + padding);
    }
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.hasBias = bias;
  }

  @Override
  protected String describe() {
    return "Conv2d(" + outChannels + ", k=" + kernel + ", s=" + stride + ", p=" + padding
        + (hasBias ? "" : ", no bias") + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    requireRank(s, 3, "[C, H, W]");
    try {
      window = Window2d.square(1, s[0], s[1], s[2], kernel, stride, padding);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(describe() + " does not fit input " + java.util.Arrays.toString(s)
          + ": " + e.getMessage(), e);
    }
    int fanIn = s[0] * kernel * kernel;
    weight = parameter("weight", Parameter.Kind.WEIGHT, outChannels, s[0], kernel, kernel);
    normalInit(weight.value(), Math.sqrt(2.0 / fanIn), rng);
    if (hasBias) {
      bias = parameter("bias", Parameter.Kind.BIAS, outChannels);
      ops.fill(bias.value(), 0f);
    }
    return new int[] {outChannels, window.oh(), window.ow()};
  }

  public Parameter weight() {
    return weight;
  }

  /** The bias parameter, or null when the layer has none. */
  public Parameter bias() {
    return bias;
  }

  private Tensor forwardNow(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, outShape));
    if (n == 0) {
      return y;
    }
    Window2d g = window.withBatch(n);
    int rows = g.colRows();
    int cols = g.colCols();
    Scratch scratch = Scratch.of(device);
    Tensor col = scratch.get(Scratch.COL, rows, cols);
    ops.im2col(x, g, col);
    Tensor ycnhw = scratch.get(Scratch.CNHW, outChannels, cols);
    ops.gemm(false, false, outChannels, cols, rows, 1f, weight.value(), 0, col, 0, 0f, ycnhw, 0);
    int inner = g.oh() * g.ow();
    ChannelFusedInput.MomentsRequest moments = next == null ? null : next.momentsRequest(mode);
    if (moments != null) {
      ops.cnhwToNchwMoments(ycnhw, n, outChannels, inner, moments.shift(), y, moments.sums());
      next.momentsWritten(y);
    } else {
      ops.cnhwToNchw(ycnhw, n, outChannels, inner, y);
      if (next != null) {
        next.momentsWritten(null); // no sums this pass: none left over from an earlier one
      }
    }
    if (hasBias) {
      ops.addChannelBias(y, n, outChannels, inner, bias.value());
    }
    return y;
  }

  /** Whether a normalization can ride on this layer's permutes: not with a bias (added after them). */
  boolean canLinkNext() {
    return !hasBias;
  }

  /** Links (or, with null, unlinks) the normalization right after this layer ({@link Sequential}). */
  void linkNext(ChannelFusedInput layer) {
    if (layer != null && hasBias) {
      throw new IllegalArgumentException(describe() + " has a bias, added after the permute a "
          + "following normalization would ride on");
    }
    this.next = layer;
  }

  /**
   * With a queue, {@link #backward} computes the input gradient and leaves the weight (and bias)
   * gradient to {@code queue}, to run while a reduction below waits (see {@link
   * DeferredGradients}); null, the default, computes both in backward.
   */
  public void deferWeightGradient(DeferredGradients queue) {
    this.deferred = queue;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    if (deferred != null && !deferred.isEmpty()) {
      throw new IllegalStateException(describe() + ": weight gradients deferred by the last backward "
          + "were never run (the step must drain its DeferredGradients before the next forward)");
    }
    return forwardNow(x, mode);
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    int n = batch;
    Tensor dxT = dx.get(device, withBatch(n, inShape));
    if (n == 0) {
      ops.fill(weight.grad(), 0f);
      if (hasBias) {
        ops.fill(bias.grad(), 0f);
      }
      return dxT;
    }
    Window2d g = window.withBatch(n);
    int rows = g.colRows();
    int cols = g.colCols();
    int inner = g.oh() * g.ow();
    Scratch scratch = Scratch.of(device);
    // Deferring, dY stays in this layer's own buffer until the deferred work has read it.
    Tensor dycnhw = deferred == null ? scratch.get(Scratch.CNHW, outChannels, cols)
        : dyKept.get(device, outChannels, cols);
    // dy may be the linked normalization's input gradient left unwritten: then the permute writes it.
    ChannelFusedInput.AffineGradient map = next == null ? null : next.takeGradient(dy);
    permuteGradient(dy, map, n, inner, dycnhw);
    Tensor col = scratch.get(Scratch.COL, rows, cols);
    if (deferred == null) {
      ops.im2col(input, g, col);
      weightGradient(dy, dycnhw, col, g);
    } else {
      // The input gradient first; the weight gradient later, from the kept dY and the input (both
      // stay valid until this layer's next backward or forward), recomputing im2col in the scratch.
      Tensor x = input;
      deferred.defer(() -> {
        Tensor colLater = Scratch.of(device).get(Scratch.COL, rows, cols);
        ops.im2col(x, g, colLater);
        weightGradient(dy, dycnhw, colLater, g);
      });
    }
    // dcol [rows, cols] = Wᵀ · dY, written over col (no longer needed).
    ops.gemm(true, false, rows, cols, outChannels, 1f, weight.value(), 0, dycnhw, 0, 0f, col, 0);
    ops.col2im(col, g, dxT);
    return dxT;
  }

  /** dY in CNHW: dy permuted, or the linked normalization's map of its own dy and x, permuted. */
  private void permuteGradient(Tensor dy, ChannelFusedInput.AffineGradient map, int n, int inner,
      Tensor dycnhw) {
    if (map == null) {
      ops.nchwToCnhw(dy, n, outChannels, inner, dycnhw);
    } else {
      ops.nchwToCnhwAffine2(map.dy(), map.x(), n, outChannels, inner, map.a(), map.b(), map.d(), dycnhw);
    }
  }

  /** dW [Cout, rows] = dY [Cout, cols] · colᵀ, and db = Σ dy per channel. */
  private void weightGradient(Tensor dy, Tensor dycnhw, Tensor col, Window2d g) {
    ops.gemm(false, true, outChannels, g.colRows(), g.colCols(), 1f, dycnhw, 0, col, 0, 0f, weight.grad(), 0);
    if (hasBias) {
      ops.channelSum(dy, g.n(), outChannels, g.oh() * g.ow(), 0f, bias.grad());
    }
  }
}

package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.tensor.Tensor;
import java.util.Random;

/**
 * Fully connected layer on NC input: y = x·Wᵀ + b with W {@code [out, in]} (PyTorch's layout) and
 * b {@code [out]}. W is He/Kaiming-normal with fan_in = in; b starts at 0. Put a {@link Flatten} in
 * front of it after convolutions.
 */
public final class Linear extends AbstractLayer {
  private final int outFeatures;
  private final boolean hasBias;
  private int inFeatures;
  private Parameter weight;
  private Parameter bias;
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();

  public Linear(int outFeatures) {
    this(outFeatures, true);
  }

  public Linear(int outFeatures, boolean bias) {
    if (outFeatures <= 0) {
      throw new IllegalArgumentException("Linear needs outFeatures > 0, got " + outFeatures);
    }
    this.outFeatures = outFeatures;
    this.hasBias = bias;
  }

  @Override
  protected String describe() {
    return "Linear(" + outFeatures + (hasBias ? "" : ", no bias") + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    requireRank(s, 1, "[features] (add a Flatten before it)");
    inFeatures = s[0];
    weight = parameter("weight", Parameter.Kind.WEIGHT, outFeatures, inFeatures);
    normalInit(weight.value(), Math.sqrt(2.0 / inFeatures), rng);
    if (hasBias) {
      bias = parameter("bias", Parameter.Kind.BIAS, outFeatures);
      ops.fill(bias.value(), 0f);
    }
    return new int[] {outFeatures};
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, n, outFeatures);
    if (n == 0) {
      return y;
    }
    ops.gemm(false, true, n, outFeatures, inFeatures, 1f, x, 0, weight.value(), 0, 0f, y, 0);
    if (hasBias) {
      ops.addChannelBias(y, n, outFeatures, 1, bias.value());
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    int n = batch;
    Tensor dxT = dx.get(device, n, inFeatures);
    if (n == 0) {
      ops.fill(weight.grad(), 0f);
      if (hasBias) {
        ops.fill(bias.grad(), 0f);
      }
      return dxT;
    }
    // dW [out, in] = dyᵀ [out, n] · x [n, in]
    ops.gemm(true, false, outFeatures, inFeatures, n, 1f, dy, 0, input, 0, 0f, weight.grad(), 0);
    if (hasBias) {
      ops.channelSum(dy, n, outFeatures, 1, 0f, bias.grad());
    }
    // dx [n, in] = dy [n, out] · W [out, in]
    ops.gemm(false, false, n, inFeatures, outFeatures, 1f, dy, 0, weight.value(), 0, 0f, dxT, 0);
    return dxT;
  }
}

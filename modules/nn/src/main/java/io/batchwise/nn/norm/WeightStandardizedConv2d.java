package io.batchwise.nn.norm;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.AbstractLayer;
import io.batchwise.nn.layers.Conv2d;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A convolution with Weight Standardization (Qiao et al. 2019), the usual partner of GroupNorm when
 * batches are small: the trainable parameter is the raw filter bank v [O, C, k, k]; every forward
 * convolves with ŵ_o = (v_o − mean(v_o))/√(var(v_o) + eps), each output filter o standardized over
 * its C·k·k weights (biased variance, eps 1e-5). Backward maps the gradient of ŵ back to v through
 * the standardization: dv = invstd·(dŵ − mean(dŵ) − ŵ·mean(dŵ·ŵ)) per filter.
 *
 * <p>It wraps a {@link Conv2d} (whose weight holds ŵ, recomputed each forward); its parameters are
 * {@code weight} (v) and the convolution's {@code bias} if it has one.
 */
public final class WeightStandardizedConv2d extends AbstractLayer {
  private final Conv2d conv;
  private final double eps;
  private Parameter raw;
  private Tensor zeros;
  private Tensor moments;
  private Tensor coefA;
  private Tensor coefB;
  private Tensor coefD;
  private double[] invstd;
  private int filters;
  private int fanIn;

  public WeightStandardizedConv2d(int outChannels, int kernel, int stride, int padding, boolean bias) {
    this(new Conv2d(outChannels, kernel, stride, padding, bias), 1e-5);
  }

  /** Wraps an uninitialized convolution. */
  public WeightStandardizedConv2d(Conv2d conv, double eps) {
    if (conv == null) {
      throw new IllegalArgumentException("WeightStandardizedConv2d needs a convolution");
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("weight standardization eps must be > 0, got " + eps);
    }
    this.conv = conv;
    this.eps = eps;
  }

  @Override
  protected String describe() {
    return "WeightStandardized" + conv;
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    int[] o = conv.init(device, s, rng);
    Tensor w = conv.weight().value();
    filters = w.dim(0);
    fanIn = w.size() / filters;
    raw = parameter("weight", Parameter.Kind.WEIGHT, w.shape());
    ops.copy(w, raw.value());
    zeros = device.zeros(filters);
    moments = device.allocate(DType.DOUBLE, 2 * filters);
    coefA = device.allocate(filters);
    coefB = device.allocate(filters);
    coefD = device.allocate(filters);
    invstd = new double[filters];
    return o;
  }

  /** The raw weight v (the trainable parameter). */
  public Parameter weight() {
    return raw;
  }

  /** The wrapped convolution (its weight holds the standardized ŵ of the last forward). */
  public Conv2d conv() {
    return conv;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(super.parameters());
    if (conv.bias() != null) {
      ps.add(conv.bias());
    }
    return ps;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    beginForward(x, mode);
    Tensor v = raw.value();
    ops.channelMoments(v, 1, filters, fanIn, zeros, moments);
    double[] s = moments.toDoubleArray();
    double[] a = new double[filters];
    double[] b = new double[filters];
    for (int o = 0; o < filters; o++) {
      double mean = s[2 * o] / fanIn;
      double var = Math.max(s[2 * o + 1] / fanIn - mean * mean, 0);
      invstd[o] = 1 / Math.sqrt(var + eps);
      a[o] = invstd[o];
      b[o] = -mean * invstd[o];
    }
    coefA.write(a);
    coefB.write(b);
    ops.channelAffine(v, 1, filters, fanIn, coefA, coefB, conv.weight().value());
    return conv.forward(x, mode);
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    Tensor dx = conv.backward(dy);
    Tensor dw = conv.weight().grad();
    Tensor w = conv.weight().value();
    ops.channelGradMoments(dw, w, 1, filters, fanIn, zeros, moments);
    double[] s = moments.toDoubleArray();
    double[] a = new double[filters];
    double[] b = new double[filters];
    double[] d = new double[filters];
    for (int o = 0; o < filters; o++) {
      a[o] = invstd[o];
      b[o] = -invstd[o] * s[2 * o + 1] / fanIn;
      d[o] = -invstd[o] * s[2 * o] / fanIn;
    }
    coefA.write(a);
    coefB.write(b);
    coefD.write(d);
    ops.channelAffine2(dw, w, 1, filters, fanIn, coefA, coefB, coefD, raw.grad());
    return dx;
  }

  @Override
  public void close() {
    super.close();
    conv.close();
    for (Tensor t : new Tensor[] {zeros, moments, coefA, coefB, coefD}) {
      if (t != null) {
        t.close();
      }
    }
  }
}

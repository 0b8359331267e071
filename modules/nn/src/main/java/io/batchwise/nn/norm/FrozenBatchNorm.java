package io.batchwise.nn.norm;

import io.batchwise.nn.Mode;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.AbstractLayer;
import io.batchwise.nn.layers.TensorSlot;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * BatchNorm with everything fixed, for fine-tuning with tiny batches: y = x·a + b per channel with
 * a = γ/√(rv + eps), b = β − rm·a, in TRAIN and EVAL alike; backward is dx = a·dy and there are no
 * trainable parameters. γ, β, rm, rv are state buffers named as BatchNorm's tensors
 * ({@code weight, bias, running_mean, running_var}), so a BatchNorm checkpoint's values carry over;
 * {@link NormConversion} copies them from a trained BatchNorm. Defaults: γ 1, β 0, rm 0, rv 1,
 * eps 1e-5.
 */
public class FrozenBatchNorm extends AbstractLayer {
  private final int expectedChannels;
  private final double eps;
  private int channels;
  private int inner;
  private Tensor weight;
  private Tensor bias;
  private Tensor runningMean;
  private Tensor runningVar;
  private Tensor coefA;
  private Tensor coefB;
  private Tensor zeros;
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();

  public FrozenBatchNorm(int channels) {
    this(channels, 1e-5);
  }

  public FrozenBatchNorm(int channels, double eps) {
    if (channels == 0 || channels < -1) {
      throw new IllegalArgumentException("FrozenBatchNorm channel count must be positive, got " + channels);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("FrozenBatchNorm eps must be > 0, got " + eps);
    }
    this.expectedChannels = channels;
    this.eps = eps;
  }

  @Override
  protected String describe() {
    return "FrozenBatchNorm(" + (expectedChannels > 0 ? expectedChannels : "?") + ", eps=" + eps + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    if (s.length != 1 && s.length != 3) {
      throw new IllegalArgumentException(describe() + " expects [C] or [C, H, W] per sample, got "
          + Arrays.toString(s));
    }
    channels = s[0];
    inner = s.length == 3 ? s[1] * s[2] : 1;
    if (expectedChannels > 0 && expectedChannels != channels) {
      throw new IllegalArgumentException(describe() + " built for " + expectedChannels
          + " channels got input " + Arrays.toString(s));
    }
    weight = device.allocate(channels);
    ops.fill(weight, 1f);
    bias = device.zeros(channels);
    runningMean = device.zeros(channels);
    runningVar = device.allocate(channels);
    ops.fill(runningVar, 1f);
    coefA = device.allocate(channels);
    coefB = device.allocate(channels);
    zeros = device.zeros(channels);
    return s;
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor bias() {
    return bias;
  }

  public Tensor runningMean() {
    return runningMean;
  }

  public Tensor runningVar() {
    return runningVar;
  }

  public double eps() {
    return eps;
  }

  @Override
  public List<StateBuffer> state() {
    return List.of(new StateBuffer("weight", weight), new StateBuffer("bias", bias),
        new StateBuffer("running_mean", runningMean), new StateBuffer("running_var", runningVar));
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, inShape));
    // Recomputed each call: the buffers may have been loaded from a checkpoint since the last one.
    double[] g = weight.toDoubleArray();
    double[] b = bias.toDoubleArray();
    double[] rm = runningMean.toDoubleArray();
    double[] rv = runningVar.toDoubleArray();
    double[] a = new double[channels];
    double[] s = new double[channels];
    for (int c = 0; c < channels; c++) {
      a[c] = g[c] / Math.sqrt(rv[c] + eps);
      s[c] = b[c] - rm[c] * a[c];
    }
    coefA.write(a);
    coefB.write(s);
    if (n > 0) {
      ops.channelAffine(x, n, channels, inner, coefA, coefB, y);
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    Tensor d = dx.get(device, withBatch(batch, inShape));
    if (batch > 0) {
      ops.channelAffine(dy, batch, channels, inner, coefA, zeros, d);
    }
    return d;
  }

  @Override
  public void close() {
    super.close();
    for (Tensor t : new Tensor[] {weight, bias, runningMean, runningVar, coefA, coefB, zeros}) {
      if (t != null) {
        t.close();
      }
    }
  }
}

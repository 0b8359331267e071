package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;

/**
 * Injects a distribution shift that changes every training step: in {@link Mode#TRAIN},
 * {@code y = a_c·x + b_c} per channel c, with fresh {@code a_c} and {@code b_c} drawn for every
 * TRAIN forward; {@link Mode#EVAL} is the identity (forward returns its input).
 *
 * <p>Purpose: the "noisy BatchNorm" experiment of Santurkar, Tsipras, Ilyas and Madry, "How Does
 * Batch Normalization Help Optimization?" (NeurIPS 2018, §2.1): placed right after a BatchNorm
 * layer, it gives that layer's output a mean and scale that drift from step to step, i.e. the
 * "internal covariate shift" BatchNorm was said to remove. The paper samples noise per activation;
 * this layer shifts and scales per channel, which moves each channel's distribution just as much and
 * costs one affine kernel.
 *
 * <p>Conventions: {@code b_c ~ U(−shift, shift)}, {@code log a_c ~ U(−log scale, log scale)} (so
 * {@code a_c ∈ [1/scale, scale]}); the draw of TRAIN forward t is a pure function of (seed, t).
 * Backward: {@code dx = a_c·dy} with the a of the last forward. No parameters, no state.
 */
public final class NoisyShift extends AbstractLayer {
  private final double shift;
  private final double scale;
  private final long seed;
  private long step;
  private boolean active;
  private int channels;
  private int inner;
  private float[] aHost;
  private final TensorSlot coefA = slot();
  private final TensorSlot coefB = slot();
  private final TensorSlot zeros = slot();
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();

  /**
   * @param shift half-width of the uniform per-channel shift, ≥ 0
   * @param scale largest per-channel scale factor, ≥ 1 (1: no scaling)
   * @param seed the noise seed
   */
  public NoisyShift(double shift, double scale, long seed) {
    if (!(shift >= 0) || Double.isInfinite(shift)) {
      throw new IllegalArgumentException("NoisyShift shift must be finite and ≥ 0, got " + shift);
    }
    if (!(scale >= 1) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("NoisyShift scale must be finite and ≥ 1, got " + scale);
    }
    this.shift = shift;
    this.scale = scale;
    this.seed = seed;
  }

  @Override
  protected String describe() {
    return "NoisyShift(shift=" + shift + ", scale=" + scale + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    if (s.length != 1 && s.length != 3) {
      throw new IllegalArgumentException(describe() + " expects [C] or [C, H, W] per sample, got "
          + Arrays.toString(s));
    }
    channels = s[0];
    inner = s.length == 3 ? s[1] * s[2] : 1;
    return s;
  }

  /** TRAIN forwards so far (the t of the next draw). */
  public long step() {
    return step;
  }

  /** The per-channel scale and shift TRAIN forward {@code t} uses: {a_0..a_{C−1}, b_0..b_{C−1}}. */
  public float[] draw(long t) {
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + t);
    float[] ab = new float[2 * channels];
    double logScale = Math.log(scale);
    for (int c = 0; c < channels; c++) {
      ab[c] = (float) Math.exp((2 * r.nextDouble() - 1) * logScale);
      ab[channels + c] = (float) ((2 * r.nextDouble() - 1) * shift);
    }
    return ab;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    active = mode == Mode.TRAIN;
    if (!active) {
      return x;
    }
    float[] ab = draw(step++);
    aHost = Arrays.copyOf(ab, channels);
    Tensor a = coefA.get(device, channels).write(aHost);
    Tensor b = coefB.get(device, channels).write(Arrays.copyOfRange(ab, channels, 2 * channels));
    Tensor y = out.get(device, withBatch(n, outShape));
    if (n > 0) {
      ops.channelAffine(x, n, channels, inner, a, b, y);
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    if (!active) {
      return dy;
    }
    Tensor d = dx.get(device, withBatch(batch, inShape));
    if (batch > 0) {
      Tensor z = zeros.get(device, channels);
      ops.fill(z, 0f);
      ops.channelAffine(dy, batch, channels, inner, coefA.current(), z, d);
    }
    return d;
  }
}

package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;
import java.util.Random;

/**
 * Inverted dropout: in {@link Mode#TRAIN} each element is kept with probability 1 − p and scaled by
 * 1/(1 − p), so {@link Mode#EVAL} is the identity. The mask of training step t is
 * {@code ops.dropoutMask(mix(seed, t), 1 − p)}: a pure function of (seed, t), identical on every
 * device; t counts TRAIN forwards. {@link #holdMask} freezes t (gradient checks need a fixed mask).
 * In EVAL (or with p = 0) forward returns its input and backward its dy, without a copy.
 */
public final class Dropout extends AbstractLayer {
  private final double p;
  private final long seed;
  private long step;
  private boolean hold;
  private boolean masked;
  private final TensorSlot mask = slot();
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();

  /**
   * @param p probability of dropping an element, 0 ≤ p &lt; 1
   * @param seed the mask seed (give data-parallel workers different seeds if their masks must differ)
   */
  public Dropout(double p, long seed) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("Dropout probability must be in [0, 1), got " + p);
    }
    this.p = p;
    this.seed = seed;
  }

  @Override
  protected String describe() {
    return "Dropout(" + p + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    return s;
  }

  /** While held, every TRAIN forward reuses the mask of the current step. */
  public Dropout holdMask(boolean hold) {
    this.hold = hold;
    return this;
  }

  /** Training steps taken so far (the t of the next mask). */
  public long step() {
    return step;
  }

  public void setStep(long step) {
    this.step = step;
  }

  /** SplitMix64 finalizer of seed and step: neighbouring steps get unrelated masks. */
  static long mix(long seed, long step) {
    long z = seed + 0x9E3779B97F4A7C15L * (step + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    masked = mode == Mode.TRAIN && p > 0;
    if (!masked) {
      return x;
    }
    int[] shape = withBatch(n, outShape);
    Tensor m = mask.get(device, shape);
    Tensor y = out.get(device, shape);
    if (n > 0) {
      ops.dropoutMask(mix(seed, step), (float) (1 - p), m);
      ops.mul(x, m, y);
    }
    if (!hold) {
      step++;
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    if (!masked) {
      return dy;
    }
    Tensor d = dx.get(device, withBatch(batch, inShape));
    if (batch > 0) {
      ops.mul(dy, mask.current(), d);
    }
    return d;
  }
}

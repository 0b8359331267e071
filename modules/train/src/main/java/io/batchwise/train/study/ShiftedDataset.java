package io.batchwise.train.study;

import io.batchwise.data.Dataset;
import io.batchwise.data.FashionMnist;
import java.util.Random;

/**
 * A test set seen through a domain shift applied in pixel space (p = x·0.3530 + 0.2860, the
 * Fashion-MNIST normalization undone), then normalized again with the training statistics as any
 * input would be. Labels are untouched (and never read by re-estimation).
 *
 * <ul>
 *   <li>{@code contrast:α}: p' = 0.5 + α·(p − 0.5) — lower contrast around mid-grey (α &lt; 1), which
 *       also lifts the black background.</li>
 *   <li>{@code noise:σ}: p' = clip(p + σ·ε, 0, 1), ε standard normal, a fixed function of
 *       (seed, sample index, pixel).</li>
 * </ul>
 */
final class ShiftedDataset implements Dataset {
  private final Dataset base;
  private final String kind;
  private final double level;
  private final long seed;

  ShiftedDataset(Dataset base, String kind, double level, long seed) {
    if (!kind.equals("contrast") && !kind.equals("noise")) {
      throw new IllegalArgumentException("unknown shift '" + kind + "'; valid: contrast, noise");
    }
    this.base = base;
    this.kind = kind;
    this.level = level;
    this.seed = seed;
  }

  String label() {
    return kind + ":" + level;
  }

  @Override
  public String name() {
    return base.name() + "+" + label();
  }

  @Override
  public int size() {
    return base.size();
  }

  @Override
  public int[] sampleShape() {
    return base.sampleShape();
  }

  @Override
  public int numClasses() {
    return base.numClasses();
  }

  @Override
  public int label(int index) {
    return base.label(index);
  }

  @Override
  public void copyImages(int[] indices, int from, int count, float[] dst, int dstOffset) {
    base.copyImages(indices, from, count, dst, dstOffset);
    int size = sampleSize();
    float m = FashionMnist.MEAN;
    float s = FashionMnist.STD;
    for (int k = 0; k < count; k++) {
      int at = dstOffset + k * size;
      Random r = kind.equals("noise") ? new Random(seed * 1_000_003L + indices[from + k]) : null;
      for (int i = 0; i < size; i++) {
        double p = dst[at + i] * s + m;
        double q = r == null ? 0.5 + level * (p - 0.5) : Math.min(1, Math.max(0, p + level * r.nextGaussian()));
        dst[at + i] = (float) ((q - m) / s);
      }
    }
  }
}

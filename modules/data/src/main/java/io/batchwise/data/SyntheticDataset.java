package io.batchwise.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A seeded, learnable image data set for tests and benchmarks: no files, any size and shape.
 *
 * <p>Each class c has a fixed prototype image built from the seed: a sum of two plane waves with
 * random frequencies and phases per channel, values in about [−1, 1]. Sample i has label
 * {@code hash(seed, i) mod classes} and image {@code prototype[label] + noise·ε}, ε uniform with unit
 * variance, drawn from a generator seeded by {@code (seed, i)}. So the images are a deterministic
 * function of (seed, index): the same seed gives the same data on every worker and in every run,
 * nothing is stored, and the classes are separable (easily at {@code noise ≤ 1}), so a small net
 * learns them in a few hundred steps.
 */
public final class SyntheticDataset implements Dataset {
  private final String name;
  private final int size;
  private final int[] shape;
  private final int numClasses;
  private final long seed;
  private final float noise;
  private final float[][] prototypes;
  /** Offsets the per-sample seeds, so a test split draws other samples from the same classes. */
  private final long stream;

  /**
   * @param size number of samples (≥ 0)
   * @param shape per-sample shape {@code [C, H, W]}
   * @param numClasses ≥ 2
   * @param noise standard deviation of the per-pixel noise (≥ 0)
   * @param seed the seed of prototypes, labels and noise
   */
  public SyntheticDataset(String name, int size, int[] shape, int numClasses, float noise, long seed) {
    this(name, size, shape, numClasses, noise, seed, 0L);
  }

  private SyntheticDataset(String name, int size, int[] shape, int numClasses, float noise, long seed,
      long stream) {
    if (size < 0) {
      throw new IllegalArgumentException("synthetic data set size must be >= 0, got " + size);
    }
    if (shape.length != 3 || shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0) {
      throw new IllegalArgumentException("sample shape must be [C, H, W] with positive sizes, got "
          + Arrays.toString(shape));
    }
    if (numClasses < 2 || numClasses > 65536) {
      throw new IllegalArgumentException("number of classes must be 2..65536, got " + numClasses);
    }
    if (!(noise >= 0) || Float.isInfinite(noise)) {
      throw new IllegalArgumentException("noise must be a finite value >= 0, got " + noise);
    }
    this.name = name;
    this.size = size;
    this.shape = shape.clone();
    this.numClasses = numClasses;
    this.noise = noise;
    this.seed = seed;
    this.stream = stream;
    this.prototypes = new float[numClasses][];
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int h = shape[1];
    int w = shape[2];
    for (int c = 0; c < numClasses; c++) {
      float[] p = new float[shape[0] * h * w];
      for (int ch = 0; ch < shape[0]; ch++) {
        double[] fy = {r.nextDouble(0.2, 1.6), r.nextDouble(0.2, 1.6)};
        double[] fx = {r.nextDouble(-1.6, 1.6), r.nextDouble(-1.6, 1.6)};
        double[] ph = {r.nextDouble(0, 2 * Math.PI), r.nextDouble(0, 2 * Math.PI)};
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            double v = 0.5 * (Math.sin(fy[0] * y + fx[0] * x + ph[0]) + Math.sin(fy[1] * y + fx[1] * x + ph[1]));
            p[(ch * h + y) * w + x] = (float) v;
          }
        }
      }
      prototypes[c] = p;
    }
  }

  /** 1×28×28 images in 10 classes, like Fashion-MNIST, noise 1. */
  public static SyntheticDataset mnistLike(int size, long seed) {
    return new SyntheticDataset("synthetic", size, new int[] {1, 28, 28}, 10, 1f, seed);
  }

  /** The same generator (same prototypes) with another sample stream, e.g. a test split. */
  public SyntheticDataset split(String splitName, int splitSize, long streamSalt) {
    return new SyntheticDataset(splitName, splitSize, shape, numClasses, noise, seed,
        (streamSalt + 1) * 0x632BE59BD9B4E019L);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int[] sampleShape() {
    return shape.clone();
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  private long sampleSeed(int index) {
    long z = seed + stream + (index + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public int label(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("sample " + index + " of " + size);
    }
    return (int) Long.remainderUnsigned(sampleSeed(index), numClasses);
  }

  @Override
  public void copyImages(int[] indices, int from, int count, float[] dst, int dstOffset) {
    int n = sampleSize();
    // Uniform on [−√3, √3) has unit variance.
    float a = (float) (noise * Math.sqrt(3.0));
    for (int s = 0; s < count; s++) {
      int index = indices[from + s];
      float[] p = prototypes[label(index)];
      SplittableRandom r = new SplittableRandom(sampleSeed(index));
      int o = dstOffset + s * n;
      for (int i = 0; i < n; i++) {
        dst[o + i] = p[i] + a * (float) (2 * r.nextDouble() - 1);
      }
    }
  }
}

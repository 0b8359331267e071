package io.batchwise.tensor.testing;

import io.batchwise.tensor.DType;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * Seeded random test data: host arrays and tensors filled with uniform or normal values, and class
 * labels. The same seed gives the same numbers on every run and every device, so a test can upload
 * identical inputs to the device under test and to the reference device.
 */
public final class RandomTensors {
  private final SplittableRandom random;

  public RandomTensors(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** n floats uniform in [lo, hi). */
  public float[] uniform(int n, float lo, float hi) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }
    return out;
  }

  /** n floats from a normal distribution (Box–Muller). */
  public float[] normal(int n, float mean, float std) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (mean + std * gaussian());
    }
    return out;
  }

  /** n class labels in [0, k), as floats (the {@link io.batchwise.tensor.Ops} label convention). */
  public float[] labels(int n, int k) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = random.nextInt(k);
    }
    return out;
  }

  /** A uniform integer in [lo, hi]. */
  public int nextInt(int lo, int hi) {
    return lo + random.nextInt(hi - lo + 1);
  }

  public long nextLong() {
    return random.nextLong();
  }

  public double gaussian() {
    double u1 = 1.0 - random.nextDouble(); // (0, 1]: log stays finite
    double u2 = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** A FLOAT tensor of {@code shape} on {@code device}, uniform in [lo, hi). */
  public Tensor uniform(Device device, float lo, float hi, int... shape) {
    return device.upload(uniform(Tensor.sizeOf(shape), lo, hi), shape);
  }

  /** A FLOAT tensor of {@code shape} on {@code device}, standard normal. */
  public Tensor normal(Device device, int... shape) {
    return device.upload(normal(Tensor.sizeOf(shape), 0f, 1f), shape);
  }

  /** Overwrites {@code t} (FLOAT or DOUBLE) with values uniform in [lo, hi). */
  public Tensor fillUniform(Tensor t, float lo, float hi) {
    return t.write(uniform(t.size(), lo, hi));
  }

  /** Overwrites {@code t} with standard normal values. */
  public Tensor fillNormal(Tensor t) {
    return t.write(normal(t.size(), 0f, 1f));
  }

  /** Uploads the same host values to a tensor of {@code dtype} on another device. */
  public static Tensor copyTo(Device device, DType dtype, float[] values, int... shape) {
    Tensor t = device.allocate(dtype, shape);
    return t.write(values);
  }
}
